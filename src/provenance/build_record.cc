#include "provenance/build_record.h"

#include <nlohmann/json.hpp>

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxEntrySize = 1 << 20;

Result<Json> ParseObject(ByteView entry) {
  if (entry.size() > kMaxEntrySize) return Error::BadInput("the entry is too large");
  Json json = Json::parse(entry.begin(), entry.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Error::BadInput("the entry is not a JSON object");
  }
  return json;
}

// An object with exactly these members (the parser has taken each of them).
Status CheckMembers(const Json& object, std::size_t count, const char* what) {
  if (object.size() != count) {
    return Error::BadInput(std::string(what) + " has members the format does not define");
  }
  return OkStatus();
}

Result<std::string> StringField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) {
    return Error::BadInput(std::string("the entry has no string field \"") + name + "\"");
  }
  return it->get<std::string>();
}

}  // namespace

Result<LoggedBuild> ParseBuildLogEntry(ByteView entry) {
  VIGIL_ASSIGN_OR_RETURN(Json json, ParseObject(entry));
  VIGIL_ASSIGN_OR_RETURN(std::string type, StringField(json, "type"));
  if (type != "build-log") {
    return Error::BadInput("the entry is a \"" + type + "\" record, not a build-log");
  }
  VIGIL_RETURN_IF_ERROR(CheckMembers(json, 9, "the build-log entry"));
  LoggedBuild build;
  VIGIL_ASSIGN_OR_RETURN(build.build_id, StringField(json, "build_id"));
  VIGIL_ASSIGN_OR_RETURN(build.start, StringField(json, "start"));
  VIGIL_ASSIGN_OR_RETURN(build.end, StringField(json, "end"));
  VIGIL_ASSIGN_OR_RETURN(build.log_sha256, StringField(json, "log_sha256"));
  VIGIL_ASSIGN_OR_RETURN(build.status, StringField(json, "status"));
  if (build.status != "closed" && build.status != "truncated") {
    return Error::BadInput("the entry's status is neither \"closed\" nor \"truncated\"");
  }
  auto lines = json.find("lines");
  if (lines == json.end() || !lines->is_number_unsigned()) {
    return Error::BadInput("the entry has no line count");
  }
  build.lines = lines->get<std::uint64_t>();
  auto builder = json.find("builder");
  if (builder == json.end() || !builder->is_object()) {
    return Error::BadInput("the entry has no builder identity");
  }
  VIGIL_RETURN_IF_ERROR(CheckMembers(*builder, 2, "the entry's builder"));
  VIGIL_ASSIGN_OR_RETURN(build.builder_name, StringField(*builder, "name"));
  auto tags = builder->find("tags");
  if (tags == builder->end() || !tags->is_array()) {
    return Error::BadInput("the entry's builder has no tags array");
  }
  for (const Json& tag : *tags) {
    if (!tag.is_string()) return Error::BadInput("the entry's builder tags must be strings");
    build.builder_tags.push_back(tag.get<std::string>());
  }
  auto artifacts = json.find("artifacts");
  if (artifacts == json.end() || !artifacts->is_array() ||
      artifacts->size() > kMaxLoggedArtifacts) {
    return Error::BadInput("the entry has no valid artifacts array");
  }
  for (const Json& artifact : *artifacts) {
    if (!artifact.is_object()) return Error::BadInput("an artifact must be an object");
    VIGIL_RETURN_IF_ERROR(CheckMembers(artifact, 2, "an artifact"));
    LoggedArtifact logged;
    VIGIL_ASSIGN_OR_RETURN(logged.name, StringField(artifact, "name"));
    VIGIL_ASSIGN_OR_RETURN(logged.sha256, StringField(artifact, "sha256"));
    if (!encoding::IsValidArtifactName(logged.name)) {
      return Error::BadInput(
          "an artifact's name is not 1-255 of A-Z a-z 0-9 . _ + / - without '..'");
    }
    if (!IsSha256Hex(logged.sha256)) {
      return Error::BadInput("an artifact's sha256 is not 64 lowercase hex digits");
    }
    build.artifacts.push_back(std::move(logged));
  }
  if (!IsSha256Hex(build.log_sha256)) {
    return Error::BadInput("the entry's log_sha256 is not 64 lowercase hex digits");
  }
  // Last, once every member is known to be of its type (so the nesting is shallow): the
  // ledger writes canonical JSON (sorted keys, no whitespace, no duplicate keys), and an
  // entry spelt otherwise is not one it wrote.
  if (json.dump() != AsText(entry)) {
    return Error::BadInput("the build-log entry is not canonical JSON");
  }
  return build;
}

Bytes SerializeBuildLogEntry(const LoggedBuild& build) {
  // std::map-backed: keys come out sorted, as RFC 8785 wants for ASCII keys.
  Json artifacts = Json::array();
  for (const LoggedArtifact& artifact : build.artifacts) {
    artifacts.push_back({{"name", artifact.name}, {"sha256", artifact.sha256}});
  }
  Json json{{"artifacts", artifacts},
            {"build_id", build.build_id},
            {"builder", {{"name", build.builder_name}, {"tags", build.builder_tags}}},
            {"end", build.end},
            {"lines", build.lines},
            {"log_sha256", build.log_sha256},
            {"start", build.start},
            {"status", build.status},
            {"type", "build-log"}};
  const std::string text = json.dump();
  return Bytes(text.begin(), text.end());
}

}  // namespace vigil::provenance
