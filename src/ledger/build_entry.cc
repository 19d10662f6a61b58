#include "ledger/build_entry.h"

#include <nlohmann/json.hpp>

#include "crypto/hash.h"

namespace vigil::ledger {
namespace {

// std::map-backed: keys come out sorted, as RFC 8785 wants for ASCII keys.
using Json = nlohmann::json;

Json IdentityJson(const rpc::CallIdentity& identity) {
  return Json{{"name", identity.name}, {"tags", identity.tags}};
}

}  // namespace

Bytes SerializeBuildEntry(const BuildEntry& entry) {
  return provenance::SerializeBuildLogEntry(
      {entry.build_id, entry.builder.name, entry.builder.tags, entry.start, entry.end, entry.lines,
       entry.log_sha256, entry.closed ? "closed" : "truncated", entry.artifacts});
}

Result<Artifact> ParseArtifact(std::string_view sha256, std::string_view name) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest digest,
                         crypto::ParseSha256Hex(sha256, "an artifact's SHA-256"));
  if (!encoding::IsValidArtifactName(name)) {
    return Error::BadInput("invalid artifact name: use 1-255 of A-Z a-z 0-9 . _ + / -, no '..'");
  }
  return Artifact{std::string(name), digest};
}

std::optional<std::string> RecordId(ByteView record) {
  Json json = Json::parse(AsText(record), nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  auto id = json.find("record_id");
  if (id == json.end() || !id->is_string()) return std::nullopt;
  return id->get<std::string>();
}

Result<Bytes> PrepareRecord(std::string_view type, std::string_view json_text,
                            const rpc::CallIdentity& submitter) {
  if (type.empty() || type.size() > 32 ||
      type.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string_view::npos) {
    return Error::BadInput("the record type (the call's argument) must be 1-32 of a-z and -");
  }
  if (type == "build-log") {
    return Error::BadInput("build-log entries are written by the ledger only, from a BuildLog");
  }
  if (!json_text.empty() && json_text.back() == '\n') {
    json_text.remove_suffix(1);
  }
  Json json = Json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Error::BadInput("a record must be a JSON object");
  }
  if (json.dump() != json_text) {
    return Error::BadInput(
        "a record must be canonical JSON (RFC 8785: sorted keys, no whitespace, no duplicates)");
  }
  auto found = json.find("type");
  if (found == json.end() || !found->is_string() || found->get<std::string>() != type) {
    return Error::BadInput("the record's \"type\" must be \"" + std::string(type) +
                           "\", the call's argument");
  }
  if (auto id = json.find("record_id"); id != json.end()) {
    if (!id->is_string() || id->get<std::string>().empty() || id->get<std::string>().size() > 200) {
      return Error::BadInput("\"record_id\" must be a string of 1-200 bytes");
    }
  }
  if (json.contains("submitter")) {
    return Error::BadInput("\"submitter\" is set by the ledger, not the caller");
  }
  json["submitter"] = IdentityJson(submitter);
  const std::string text = json.dump();
  if (text.size() > tlog::kMaxStoredEntrySize) {
    return Error::BadInput("the record is over " + std::to_string(tlog::kMaxStoredEntrySize) +
                           " bytes");
  }
  return Bytes(text.begin(), text.end());
}

std::optional<tlog::EntryLabel> LabelEntry(ByteView entry) {
  Json json = Json::parse(AsText(entry), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  auto type = json.find("type");
  if (type == json.end() || !type->is_string()) return std::nullopt;
  // A record's own id when it has one (appended once per type and id), else its build.
  auto id = json.find("record_id");
  if (id == json.end() || !id->is_string()) id = json.find("build_id");
  return tlog::EntryLabel{type->get<std::string>(),
                          id != json.end() && id->is_string() ? id->get<std::string>() : ""};
}

}  // namespace vigil::ledger
