#include "provenance/record_fields.h"

#include "crypto/hash.h"
#include "encoding/build_log_limits.h"

namespace vigil::provenance::detail {

using Json = nlohmann::json;

Result<Json> ParseRecordObject(ByteView record, std::size_t max_size) {
  if (record.size() > max_size) {
    return Error::BadInput("the record is over " + std::to_string(max_size) + " bytes");
  }
  Json json = Json::parse(record.begin(), record.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Error::BadInput("the record is not a JSON object");
  }
  return json;
}

Status CheckMemberCount(const Json& object, std::size_t count, const char* what) {
  if (object.size() != count) {
    return Error::BadInput(std::string(what) + " has members the format does not define");
  }
  return OkStatus();
}

Result<std::string> StringMember(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Error::BadInput(std::string("the record has no string field \"") + name + "\"");
  }
  return it->get<std::string>();
}

Result<std::uint64_t> UnsignedMember(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_unsigned()) {
    return Error::BadInput(std::string("the record has no unsigned integer \"") + name + "\"");
  }
  return it->get<std::uint64_t>();
}

Result<std::vector<LoggedArtifact>> ArtifactsMember(const Json& object, const char* name) {
  auto list = object.find(name);
  if (list == object.end() || !list->is_array() || list->size() > kMaxLoggedArtifacts) {
    return Error::BadInput(std::string("the record has no valid \"") + name + "\" array (at most " +
                           std::to_string(kMaxLoggedArtifacts) + " artifacts)");
  }
  std::vector<LoggedArtifact> artifacts;
  for (const Json& artifact : *list) {
    if (!artifact.is_object()) return Error::BadInput("an artifact must be an object");
    VIGIL_RETURN_IF_ERROR(CheckMemberCount(artifact, 2, "an artifact"));
    LoggedArtifact logged;
    VIGIL_ASSIGN_OR_RETURN(logged.name, StringMember(artifact, "name"));
    VIGIL_ASSIGN_OR_RETURN(const std::string sha256, StringMember(artifact, "sha256"));
    if (!encoding::IsValidArtifactName(logged.name)) {
      return Error::BadInput(
          "an artifact's name is not 1-255 of A-Z a-z 0-9 . _ + / - without '..'");
    }
    VIGIL_ASSIGN_OR_RETURN(logged.sha256, crypto::ParseSha256Hex(sha256, "an artifact's sha256"));
    artifacts.push_back(std::move(logged));
  }
  return artifacts;
}

Json ArtifactsJson(const std::vector<LoggedArtifact>& artifacts) {
  Json list = Json::array();
  for (const LoggedArtifact& artifact : artifacts) {
    list.push_back({{"name", artifact.name}, {"sha256", artifact.hex()}});
  }
  return list;
}

Status ReadIdentity(const Json& object, const char* name, std::string* identity_name,
                    std::vector<std::string>* tags) {
  auto identity = object.find(name);
  if (identity == object.end() || !identity->is_object()) {
    return Error::BadInput(std::string("the record has no identity \"") + name + "\"");
  }
  VIGIL_RETURN_IF_ERROR(CheckMemberCount(*identity, 2, "the record's identity"));
  VIGIL_ASSIGN_OR_RETURN(*identity_name, StringMember(*identity, "name"));
  auto list = identity->find("tags");
  if (list == identity->end() || !list->is_array()) {
    return Error::BadInput(std::string("the record's \"") + name + "\" has no tags array");
  }
  for (const Json& tag : *list) {
    if (!tag.is_string()) return Error::BadInput("an identity's tags must be strings");
    tags->push_back(tag.get<std::string>());
  }
  return OkStatus();
}

Status CheckCanonical(const Json& json, ByteView record, const char* what) {
  if (json.dump() != AsText(record)) {
    return Error::BadInput(std::string(what) + " is not canonical JSON");
  }
  return OkStatus();
}

}  // namespace vigil::provenance::detail
