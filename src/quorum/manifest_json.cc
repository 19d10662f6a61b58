#include "quorum/manifest_json.h"

#include <arpa/inet.h>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "base/hex.h"
#include "base/strict_number.h"
#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "quorum/qos_json.h"

namespace vigil::quorum {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using encoding::json_fields::Flag;
using encoding::json_fields::HexField;
using encoding::json_fields::Keys;
using encoding::json_fields::Strings;
using encoding::json_fields::Text;
using encoding::json_fields::Unsigned;
using nlohmann::json;

// V2's environment as a whole (env.rs): names plus values, at most 512 KiB.
constexpr std::size_t kMaxEnvTotalBytes = 512 * 1024;

Result<QuorumMember> ReadMember(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"alias", "pubKey"}));
  QuorumMember member;
  VIGIL_ASSIGN_OR_RETURN(member.alias, Text(value["alias"], path + ".alias", kMaxNameBytes));
  VIGIL_ASSIGN_OR_RETURN(member.pub_key, HexField(value["pubKey"], path + ".pubKey", kMaxKeyBytes));
  return member;
}

Result<MemberSet> ReadMemberSet(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"threshold", "members"}));
  MemberSet set;
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t threshold,
                         Unsigned(value["threshold"], path + ".threshold", UINT32_MAX));
  set.threshold = static_cast<std::uint32_t>(threshold);
  const json& members = value["members"];
  if (!members.is_array() || members.size() > kMaxMembers) {
    return BadAt(path + ".members", "must be an array of at most " + std::to_string(kMaxMembers));
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(QuorumMember member,
                           ReadMember(members[i], path + ".members[" + std::to_string(i) + "]"));
    set.members.push_back(std::move(member));
  }
  return set;
}

Result<PatchSet> ReadPatchSet(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"threshold", "members"}));
  PatchSet patch;
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t threshold,
                         Unsigned(value["threshold"], path + ".threshold", UINT32_MAX));
  patch.threshold = static_cast<std::uint32_t>(threshold);
  const json& members = value["members"];
  if (!members.is_array() || members.size() > kMaxMembers) {
    return BadAt(path + ".members", "must be an array of at most " + std::to_string(kMaxMembers));
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string at = path + ".members[" + std::to_string(i) + "]";
    VIGIL_RETURN_IF_ERROR(CheckKeys(members[i], at, {"pubKey"}));
    VIGIL_ASSIGN_OR_RETURN(Bytes key, HexField(members[i]["pubKey"], at + ".pubKey", kMaxKeyBytes));
    patch.members.push_back(std::move(key));
  }
  return patch;
}

Result<BridgeConfig> ReadBridge(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"type", "port"}, {"host"}));
  BridgeConfig bridge;
  VIGIL_ASSIGN_OR_RETURN(std::string type, Text(value["type"], path + ".type", 16));
  if (type != "server" && type != "client")
    return BadAt(path + ".type", "must be server or client");
  bridge.kind = type == "server" ? BridgeConfig::Kind::kServer : BridgeConfig::Kind::kClient;
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t port, Unsigned(value["port"], path + ".port", UINT16_MAX));
  bridge.port = static_cast<std::uint16_t>(port);
  if (value.contains("host") && !value["host"].is_null()) {
    VIGIL_ASSIGN_OR_RETURN(bridge.host, Text(value["host"], path + ".host", kMaxNameBytes));
  } else if (bridge.kind == BridgeConfig::Kind::kServer) {
    return BadAt(path, "a server bridge needs a host");
  }
  return bridge;
}

// [A-Za-z_][A-Za-z0-9_]*, as env.rs requires of a name.
bool IsEnvName(std::string_view name) {
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  return !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), word) && name.size() <= kMaxEnvNameBytes;
}

Status ReadEnv(const json& value, const std::string& path, PivotConfig& pivot) {
  if (!value.is_object() || value.size() > kMaxEnvEntries) {
    return BadAt(path, "must be an object of at most " + std::to_string(kMaxEnvEntries) + " names");
  }
  std::size_t total = 0;
  for (const auto& item : value.items()) {
    const std::string& name = item.key();
    const json& entry = item.value();
    const std::string at = path + "." + name;
    if (!IsEnvName(name))
      return BadAt(at, "a name must match [A-Za-z_][A-Za-z0-9_]*, at most 1 KiB");
    VIGIL_RETURN_IF_ERROR(CheckKeys(entry, at, {"kind", "value"}));
    if (entry["kind"] != "plain") return BadAt(at + ".kind", "must be \"plain\"");
    VIGIL_ASSIGN_OR_RETURN(std::string text,
                           Text(entry["value"], at + ".value", kMaxEnvValueBytes));
    if (text.find('\0') != std::string::npos) return BadAt(at + ".value", "holds a NUL byte");
    total += name.size() + text.size();
    pivot.env.emplace_back(name, std::move(text));
  }
  if (total > kMaxEnvTotalBytes) return BadAt(path, "names and values exceed 512 KiB in all");
  return OkStatus();  // nlohmann's object keeps keys sorted, as QuorumOS's BTreeMap does
}

Result<PivotConfig> ReadPivot(const json& value, ManifestVersion version) {
  const std::string path = "$.pivot";
  if (version == ManifestVersion::kV0) {
    VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"hash", "restart", "args"}));
  } else if (version == ManifestVersion::kV1) {
    VIGIL_RETURN_IF_ERROR(
        CheckKeys(value, path, {"hash", "restart", "bridgeConfig", "debugMode", "args"}));
  } else {
    VIGIL_RETURN_IF_ERROR(
        CheckKeys(value, path, {"hash", "restart", "bridgeConfig", "debugMode", "args"}, {"env"}));
  }
  PivotConfig pivot;
  VIGIL_ASSIGN_OR_RETURN(pivot.hash, HexField(value["hash"], path + ".hash", kPivotHashSize));
  if (pivot.hash.size() != kPivotHashSize) return BadAt(path + ".hash", "must be 32 bytes");
  if (value["restart"] != "Never" && value["restart"] != "Always") {
    return BadAt(path + ".restart", "must be \"Never\" or \"Always\"");
  }
  pivot.restart = value["restart"] == "Always" ? RestartPolicy::kAlways : RestartPolicy::kNever;
  VIGIL_ASSIGN_OR_RETURN(pivot.args,
                         Strings(value["args"], path + ".args", kMaxArgs, kMaxArgBytes));
  if (version == ManifestVersion::kV0) return pivot;
  const json& bridges = value["bridgeConfig"];
  if (!bridges.is_array() || bridges.size() > kMaxBridges) {
    return BadAt(path + ".bridgeConfig", "must be an array of at most 64 bridges");
  }
  for (std::size_t i = 0; i < bridges.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(
        BridgeConfig bridge,
        ReadBridge(bridges[i], path + ".bridgeConfig[" + std::to_string(i) + "]"));
    pivot.bridge_config.push_back(std::move(bridge));
  }
  VIGIL_ASSIGN_OR_RETURN(pivot.debug_mode, Flag(value["debugMode"], path + ".debugMode"));
  if (value.contains("env")) VIGIL_RETURN_IF_ERROR(ReadEnv(value["env"], path + ".env", pivot));
  return pivot;
}

Result<NitroConfig> ReadNitro(const json& value) {
  const std::string path = "$.enclave";
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(value, path, {"pcr0", "pcr1", "pcr2", "pcr3", "awsRootCertificate", "qosCommit"}));
  NitroConfig nitro;
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr0, HexField(value["pcr0"], path + ".pcr0", kMaxKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr1, HexField(value["pcr1"], path + ".pcr1", kMaxKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr2, HexField(value["pcr2"], path + ".pcr2", kMaxKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr3, HexField(value["pcr3"], path + ".pcr3", kMaxKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(
      nitro.aws_root_certificate,
      HexField(value["awsRootCertificate"], path + ".awsRootCertificate", kMaxCertificateBytes));
  VIGIL_ASSIGN_OR_RETURN(nitro.qos_commit,
                         Text(value["qosCommit"], path + ".qosCommit", kMaxNameBytes));
  return nitro;
}

// A resolver's address in the form Rust's IpAddr prints (RFC 5952 for IPv6).
Result<std::string> ReadResolver(const json& value, const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(std::string text, Text(value, path, INET6_ADDRSTRLEN));
  unsigned char address[16];
  char canonical[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (inet_pton(family, text.c_str(), address) == 1 &&
        inet_ntop(family, address, canonical, sizeof(canonical)) != nullptr) {
      return std::string(canonical);
    }
  }
  return BadAt(path, "must be an IPv4 or IPv6 address");
}

Result<ManifestVersion> DetectVersion(const json& value) {
  if (!value.is_object()) return BadAt("$", "must be an object");
  if (value.contains("version")) {
    if (value["version"] != "v2") return BadAt("$.version", "must be \"v2\"");
    return ManifestVersion::kV2;
  }
  const json* pivot = value.contains("pivot") ? &value["pivot"] : nullptr;
  if (pivot != nullptr && pivot->is_object() && pivot->contains("bridgeConfig")) {
    return ManifestVersion::kV1;
  }
  return ManifestVersion::kV0;
}

Result<Manifest> ReadManifest(const json& value) {
  VIGIL_ASSIGN_OR_RETURN(ManifestVersion version, DetectVersion(value));
  Keys common = {"namespace", "pivot", "manifestSet", "shareSet", "enclave"};
  if (version == ManifestVersion::kV2) {
    VIGIL_RETURN_IF_ERROR(CheckKeys(
        value, "$", {"version", "namespace", "pivot", "manifestSet", "shareSet", "enclave"},
        {"dns"}));
  } else {
    VIGIL_RETURN_IF_ERROR(CheckKeys(value, "$", common, {"patchSet"}));
    if (!value.contains("patchSet")) return BadAt("$", "lacks \"patchSet\"");
  }
  Manifest manifest;
  manifest.version = version;
  const json& ns = value["namespace"];
  VIGIL_RETURN_IF_ERROR(CheckKeys(ns, "$.namespace", {"name", "nonce", "quorumKey"}));
  VIGIL_ASSIGN_OR_RETURN(manifest.name_space.name,
                         Text(ns["name"], "$.namespace.name", kMaxNameBytes));
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t nonce,
                         Unsigned(ns["nonce"], "$.namespace.nonce", UINT32_MAX));
  manifest.name_space.nonce = static_cast<std::uint32_t>(nonce);
  VIGIL_ASSIGN_OR_RETURN(manifest.name_space.quorum_key,
                         HexField(ns["quorumKey"], "$.namespace.quorumKey", kMaxKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(manifest.pivot, ReadPivot(value["pivot"], version));
  VIGIL_ASSIGN_OR_RETURN(manifest.manifest_set,
                         ReadMemberSet(value["manifestSet"], "$.manifestSet"));
  VIGIL_ASSIGN_OR_RETURN(manifest.share_set, ReadMemberSet(value["shareSet"], "$.shareSet"));
  VIGIL_ASSIGN_OR_RETURN(manifest.enclave, ReadNitro(value["enclave"]));
  if (version != ManifestVersion::kV2) {
    VIGIL_ASSIGN_OR_RETURN(manifest.patch_set, ReadPatchSet(value["patchSet"], "$.patchSet"));
  } else if (value.contains("dns")) {
    VIGIL_RETURN_IF_ERROR(CheckKeys(value["dns"], "$.dns", {"resolvers"}));
    const json& resolvers = value["dns"]["resolvers"];
    if (!resolvers.is_array() || resolvers.size() > kMaxDnsResolvers) {
      return BadAt("$.dns.resolvers", "must be an array of at most 16 addresses");
    }
    manifest.dns.emplace();
    for (std::size_t i = 0; i < resolvers.size(); ++i) {
      VIGIL_ASSIGN_OR_RETURN(
          std::string address,
          ReadResolver(resolvers[i], "$.dns.resolvers[" + std::to_string(i) + "]"));
      manifest.dns->push_back(std::move(address));
    }
  }
  return manifest;
}

Result<Approval> ReadApproval(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"signature", "member"}));
  Approval approval;
  VIGIL_ASSIGN_OR_RETURN(approval.signature,
                         HexField(value["signature"], path + ".signature", kMaxSignatureBytes));
  VIGIL_ASSIGN_OR_RETURN(approval.member, ReadMember(value["member"], path + ".member"));
  return approval;
}

Result<std::vector<Approval>> ReadApprovals(const json& value, const std::string& path) {
  if (!value.is_array() || value.size() > kMaxApprovals) {
    return BadAt(path,
                 "must be an array of at most " + std::to_string(kMaxApprovals) + " approvals");
  }
  std::vector<Approval> approvals;
  for (std::size_t i = 0; i < value.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(Approval approval,
                           ReadApproval(value[i], path + "[" + std::to_string(i) + "]"));
    approvals.push_back(std::move(approval));
  }
  return approvals;
}

Result<json> Parse(std::string_view text, std::string_view what) {
  if (text.size() > kMaxManifestJsonBytes) {
    return Error::BadInput(std::string(what) + " is over " + std::to_string(kMaxManifestJsonBytes) +
                           " bytes");
  }
  return encoding::ParseStrictJson(text, what, 16);
}

// The manifest as JSON of type J: nlohmann::json (sorted, for the canonical V2 form) or
// nlohmann::ordered_json (declaration order, as serde writes V0/V1).
template <typename J>
J MemberJson(const QuorumMember& member) {
  J out;
  out["alias"] = member.alias;
  out["pubKey"] = HexEncode(member.pub_key);
  return out;
}

template <typename J>
J MemberSetJson(const MemberSet& set) {
  J out;
  out["threshold"] = set.threshold;
  out["members"] = J::array();
  for (const QuorumMember& member : set.members) out["members"].push_back(MemberJson<J>(member));
  return out;
}

template <typename J>
J PivotJson(const PivotConfig& pivot, ManifestVersion version) {
  J out;
  out["hash"] = HexEncode(pivot.hash);
  out["restart"] = pivot.restart == RestartPolicy::kAlways ? "Always" : "Never";
  if (version != ManifestVersion::kV0) {
    out["bridgeConfig"] = J::array();
    for (const BridgeConfig& bridge : pivot.bridge_config) {
      J entry;
      entry["type"] = bridge.kind == BridgeConfig::Kind::kServer ? "server" : "client";
      entry["port"] = bridge.port;
      entry["host"] = bridge.host ? J(*bridge.host) : J(nullptr);
      out["bridgeConfig"].push_back(std::move(entry));
    }
    out["debugMode"] = pivot.debug_mode;
  }
  out["args"] = pivot.args;
  if (!pivot.env.empty()) {
    J env = J::object();
    for (const auto& [name, value] : pivot.env) env[name] = J{{"kind", "plain"}, {"value", value}};
    out["env"] = std::move(env);
  }
  return out;
}

template <typename J>
J ManifestToJson(const Manifest& manifest) {
  J out;
  if (manifest.version == ManifestVersion::kV2) out["version"] = "v2";
  out["namespace"] = J{{"name", manifest.name_space.name},
                       {"nonce", manifest.name_space.nonce},
                       {"quorumKey", HexEncode(manifest.name_space.quorum_key)}};
  out["pivot"] = PivotJson<J>(manifest.pivot, manifest.version);
  out["manifestSet"] = MemberSetJson<J>(manifest.manifest_set);
  out["shareSet"] = MemberSetJson<J>(manifest.share_set);
  const NitroConfig& nitro = manifest.enclave;
  out["enclave"] = J{{"pcr0", HexEncode(nitro.pcr0)},
                     {"pcr1", HexEncode(nitro.pcr1)},
                     {"pcr2", HexEncode(nitro.pcr2)},
                     {"pcr3", HexEncode(nitro.pcr3)},
                     {"awsRootCertificate", HexEncode(nitro.aws_root_certificate)},
                     {"qosCommit", nitro.qos_commit}};
  if (manifest.version != ManifestVersion::kV2) {
    J patch;
    patch["threshold"] = manifest.patch_set.threshold;
    patch["members"] = J::array();
    for (const Bytes& key : manifest.patch_set.members) {
      patch["members"].push_back(J{{"pubKey", HexEncode(key)}});
    }
    out["patchSet"] = std::move(patch);
  } else if (manifest.dns) {
    out["dns"] = J{{"resolvers", *manifest.dns}};
  }
  return out;
}

template <typename J>
J ApprovalToJson(const Approval& approval) {
  J out;
  out["signature"] = HexEncode(approval.signature);
  out["member"] = MemberJson<J>(approval.member);
  return out;
}

template <typename J>
J EnvelopeToJson(const ManifestEnvelope& envelope) {
  // V0's envelope kept serde's snake_case field names; V1 and V2 are camelCase.
  const bool v0 = envelope.manifest.version == ManifestVersion::kV0;
  J out;
  out["manifest"] = ManifestToJson<J>(envelope.manifest);
  J manifest_set = J::array(), share_set = J::array();
  for (const Approval& a : envelope.manifest_set_approvals)
    manifest_set.push_back(ApprovalToJson<J>(a));
  for (const Approval& a : envelope.share_set_approvals) share_set.push_back(ApprovalToJson<J>(a));
  out[v0 ? "manifest_set_approvals" : "manifestSetApprovals"] = std::move(manifest_set);
  out[v0 ? "share_set_approvals" : "shareSetApprovals"] = std::move(share_set);
  return out;
}

}  // namespace

Result<Manifest> ParseManifestJson(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, Parse(text, "a manifest"));
  return ReadManifest(value);
}

Result<ManifestEnvelope> ReadEnvelopeJsonValue(const json& value) {
  if (!value.is_object() || !value.contains("manifest")) return BadAt("$", "lacks \"manifest\"");
  ManifestEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.manifest, ReadManifest(value["manifest"]));
  const bool v0 = envelope.manifest.version == ManifestVersion::kV0;
  const std::string manifest_key = v0 ? "manifest_set_approvals" : "manifestSetApprovals";
  const std::string share_key = v0 ? "share_set_approvals" : "shareSetApprovals";
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, "$", {"manifest", manifest_key, share_key}));
  VIGIL_ASSIGN_OR_RETURN(envelope.manifest_set_approvals,
                         ReadApprovals(value[manifest_key], "$." + manifest_key));
  VIGIL_ASSIGN_OR_RETURN(envelope.share_set_approvals,
                         ReadApprovals(value[share_key], "$." + share_key));
  return envelope;
}

Result<Approval> ReadApprovalJsonValue(const json& value, const std::string& path) {
  return ReadApproval(value, path);
}

Result<MemberSet> ReadMemberSetJsonValue(const json& value, const std::string& path) {
  return ReadMemberSet(value, path);
}

Result<Manifest> ReadManifestJsonValue(const json& value) { return ReadManifest(value); }
json ManifestJsonValue(const Manifest& manifest) { return ManifestToJson<json>(manifest); }

json EnvelopeJsonValue(const ManifestEnvelope& envelope) { return EnvelopeToJson<json>(envelope); }

json ApprovalJsonValue(const Approval& approval) { return ApprovalToJson<json>(approval); }

json MemberSetJsonValue(const MemberSet& set) { return MemberSetJson<json>(set); }
json MemberJsonValue(const QuorumMember& member) { return MemberJson<json>(member); }
Result<QuorumMember> ReadMemberJsonValue(const json& value, const std::string& path) {
  return ReadMember(value, path);
}

Result<ManifestEnvelope> ParseEnvelopeJson(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, Parse(text, "a manifest envelope"));
  return ReadEnvelopeJsonValue(value);
}

Result<Approval> ParseApprovalJson(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, Parse(text, "an approval"));
  return ReadApproval(value, "$");
}

Result<std::string> ManifestJson(const Manifest& manifest) {
  if (manifest.version == ManifestVersion::kV2) {
    return quorum::qos_json::Serialize(ManifestToJson<json>(manifest));
  }
  return ManifestToJson<nlohmann::ordered_json>(manifest).dump();
}

Result<std::string> EnvelopeJson(const ManifestEnvelope& envelope) {
  if (envelope.manifest.version == ManifestVersion::kV2) {
    return quorum::qos_json::Serialize(EnvelopeToJson<json>(envelope));
  }
  return EnvelopeToJson<nlohmann::ordered_json>(envelope).dump();
}

std::string ApprovalJson(const Approval& approval) {
  return ApprovalToJson<nlohmann::ordered_json>(approval).dump();
}

}  // namespace vigil::quorum
