// Metadata files: {"signatures":[...],"signed":...}, read strictly and written canonically.
#include <set>

#include "base/hex.h"
#include "crypto/ed25519.h"
#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "tuf/canonical_json.h"
#include "tuf/metadata.h"
#include "tuf/metadata_json.h"

namespace vigil::tuf {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using encoding::json_fields::HexField;
using encoding::json_fields::Text;
using nlohmann::json;

struct Parsed {
  json signed_value;
  std::string signed_bytes;
  std::vector<Signature> signatures;
};

Result<Parsed> Parse(std::string_view text) {
  if (text.size() > kMaxMetadataBytes) {
    return Error::BadInput("TUF metadata over " + std::to_string(kMaxMetadataBytes) + " bytes");
  }
  VIGIL_ASSIGN_OR_RETURN(json value, encoding::ParseStrictJson(text, "TUF metadata", 16));
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, "$", {"signatures", "signed"}));
  Parsed parsed;
  const json& signatures = value["signatures"];
  if (!signatures.is_array() || signatures.size() > kMaxKeys) {
    return BadAt("$.signatures", "must be an array of at most 256 signatures");
  }
  std::set<std::string> keyids;
  for (std::size_t i = 0; i < signatures.size(); ++i) {
    const std::string path = "$.signatures[" + std::to_string(i) + "]";
    VIGIL_RETURN_IF_ERROR(CheckKeys(signatures[i], path, {"keyid", "sig"}));
    Signature signature;
    VIGIL_ASSIGN_OR_RETURN(signature.keyid, Text(signatures[i]["keyid"], path + ".keyid", 64));
    VIGIL_ASSIGN_OR_RETURN(signature.sig, HexField(signatures[i]["sig"], path + ".sig", 64));
    if (!keyids.insert(signature.keyid).second) {
      return BadAt(path + ".keyid", "signs twice");
    }
    parsed.signatures.push_back(std::move(signature));
  }
  Result<std::string> canonical = CanonicalJson(value["signed"]);
  if (!canonical.ok()) return BadAt("$.signed", canonical.error().message());
  parsed.signed_bytes = std::move(*canonical);
  parsed.signed_value = std::move(value["signed"]);
  return parsed;
}

template <typename Role, typename Reader>
Result<SignedFile<Role>> ReadAs(std::string_view text, Reader read) {
  VIGIL_ASSIGN_OR_RETURN(Parsed parsed, Parse(text));
  VIGIL_ASSIGN_OR_RETURN(Role role, read(parsed.signed_value));
  return SignedFile<Role>{.role = std::move(role),
                          .signed_bytes = std::move(parsed.signed_bytes),
                          .signatures = std::move(parsed.signatures)};
}

Result<std::string> SignedFileText(const std::string& signed_bytes,
                                   const std::vector<const SigningKey*>& keys) {
  VIGIL_ASSIGN_OR_RETURN(std::string file, SignaturesOpening(signed_bytes, keys));
  return file + signed_bytes + "}";
}

Result<std::string> Write(const json& signed_value, const std::vector<const SigningKey*>& keys) {
  VIGIL_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalJson(signed_value));
  return SignedFileText(signed_bytes, keys);
}

// One target file's canonical form: {"custom":{...},"hashes":{...},"length":N}, keys sorted
// (custom only when it has entries), as CanonicalJson(TargetJson(file)) writes it.
Status AppendTargetFile(const TargetFile& file, std::string& out) {
  out += '{';
  if (!file.custom.empty()) {
    out += "\"custom\":{";
    bool first = true;
    for (const auto& [key, value] : file.custom) {
      if (!first) out += ',';
      first = false;
      VIGIL_RETURN_IF_ERROR(AppendCanonicalString(key, out));
      out += ':';
      VIGIL_RETURN_IF_ERROR(AppendCanonicalString(value, out));
    }
    out += "},";
  }
  out += "\"hashes\":{";
  bool first = true;
  for (const auto& [name, digest] : file.hashes) {
    if (!first) out += ',';
    first = false;
    VIGIL_RETURN_IF_ERROR(AppendCanonicalString(name, out));
    out += ":\"";
    constexpr char kHex[] = "0123456789abcdef";
    for (std::uint8_t byte : digest) {
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
    out += '"';
  }
  out += "},\"length\":" + std::to_string(file.length) + "}";
  return OkStatus();
}

}  // namespace

namespace {

// The signed part with no files, split around its empty "targets" object.
Result<std::pair<std::string, std::string>> HeadAround(const Targets& targets) {
  const Targets head{.version = targets.version,
                     .expires = targets.expires,
                     .targets = {},
                     .delegations = targets.delegations};
  VIGIL_ASSIGN_OR_RETURN(std::string text, CanonicalJson(TargetsJson(head)));
  // The last key but "version", whose value is a number: the match is the key itself, as
  // a quote inside a string is escaped.
  constexpr std::string_view kEmpty = "\"targets\":{}";
  const std::size_t at = text.rfind(kEmpty);
  if (at == std::string::npos) return Error::Failed("targets metadata without its targets");
  const std::size_t files = at + kEmpty.size() - 2;
  return std::pair{text.substr(0, files), text.substr(files + 2)};
}

}  // namespace

Status EncodeTargets(const Targets& targets, EncodedTargets& out) {
  out.bytes.clear();
  out.files_begin = out.files_end = 0;
  Result<std::pair<std::string, std::string>> head = HeadAround(targets);
  if (!head.ok()) return head.error();
  out.bytes.reserve(head->first.size() + targets.targets.size() * 320 + head->second.size());
  out.bytes += head->first;
  const std::size_t files_begin = out.bytes.size();
  out.bytes += '{';
  for (const auto& [path, file] : targets.targets) {
    if (out.bytes.size() > files_begin + 1) out.bytes += ',';
    Status appended = AppendCanonicalString(path, out.bytes);
    if (appended.ok()) {
      out.bytes += ':';
      appended = AppendTargetFile(file, out.bytes);
    }
    if (!appended.ok()) {
      out.bytes.clear();
      return appended;
    }
  }
  out.bytes += '}';
  out.files_begin = files_begin;
  out.files_end = out.bytes.size();
  out.bytes += head->second;
  return OkStatus();
}

Status EncodeTargetsHead(const Targets& targets, EncodedTargets& out) {
  Result<std::pair<std::string, std::string>> head = HeadAround(targets);
  const bool encoded = out.files_begin < out.files_end && out.files_end <= out.bytes.size();
  if (!head.ok() || !encoded) {
    out = EncodedTargets{};
    return head.ok() ? Error::Failed("the targets' files were not encoded") : head.error();
  }
  // The tail first, so that the files' position holds while the head is replaced; a head
  // of the same length (the usual case: a new version and expiry) moves nothing.
  out.bytes.replace(out.files_end, std::string::npos, head->second);
  out.bytes.replace(0, out.files_begin, head->first);
  const std::size_t files_size = out.files_end - out.files_begin;
  out.files_begin = head->first.size();
  out.files_end = out.files_begin + files_size;
  return OkStatus();
}

Result<std::string> CanonicalTargets(const Targets& targets) {
  EncodedTargets encoded;
  VIGIL_RETURN_IF_ERROR(EncodeTargets(targets, encoded));
  return std::move(encoded.bytes);
}

Result<std::string> SignaturesOpening(std::string_view signed_bytes,
                                      const std::vector<const SigningKey*>& keys) {
  std::map<std::string, Bytes> signatures;  // keyid order
  for (const SigningKey* key : keys) {
    VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519Signature sig,
                           crypto::Ed25519Sign(key->seed, AsBytes(signed_bytes)));
    signatures[key->keyid] = Bytes(sig.begin(), sig.end());
  }
  // "signatures" sorts before "signed", and each signature's keys are keyid, sig.
  std::string opening = "{\"signatures\":[";
  for (const auto& [keyid, sig] : signatures) {
    VIGIL_ASSIGN_OR_RETURN(std::string entry,
                           CanonicalJson(json{{"keyid", keyid}, {"sig", HexEncode(sig)}}));
    opening += (opening.back() == '[' ? "" : ",") + entry;
  }
  return opening + "],\"signed\":";
}

Result<SignedFile<Root>> ReadRoot(std::string_view text) {
  return ReadAs<Root>(text, ReadRootJson);
}
Result<SignedFile<Targets>> ReadTargets(std::string_view text) {
  return ReadAs<Targets>(text, ReadTargetsJson);
}
Result<SignedFile<Snapshot>> ReadSnapshot(std::string_view text) {
  return ReadAs<Snapshot>(text, ReadSnapshotJson);
}
Result<SignedFile<Timestamp>> ReadTimestamp(std::string_view text) {
  return ReadAs<Timestamp>(text, ReadTimestampJson);
}

Result<std::string> WriteRoot(const Root& root, const std::vector<const SigningKey*>& keys) {
  return Write(RootJson(root), keys);
}
Result<std::string> WriteTargets(const Targets& targets,
                                 const std::vector<const SigningKey*>& keys) {
  VIGIL_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalTargets(targets));
  return SignedFileText(signed_bytes, keys);
}
Result<std::string> WriteSnapshot(const Snapshot& snapshot,
                                  const std::vector<const SigningKey*>& keys) {
  return Write(SnapshotJson(snapshot), keys);
}
Result<std::string> WriteTimestamp(const Timestamp& timestamp,
                                   const std::vector<const SigningKey*>& keys) {
  return Write(TimestampJson(timestamp), keys);
}

}  // namespace vigil::tuf
