#include "provenance/build_log_entry.h"

#include <nlohmann/json.hpp>

#include "provenance/record_fields.h"

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;
using namespace detail;

constexpr std::size_t kMaxEntrySize = 1 << 20;

}  // namespace

Result<LoggedBuild> ParseBuildLogEntry(ByteView entry) {
  VIGIL_ASSIGN_OR_RETURN(Json json, ParseRecordObject(entry, kMaxEntrySize));
  VIGIL_ASSIGN_OR_RETURN(std::string type, StringMember(json, "type"));
  if (type != "build-log") {
    return Error::BadInput("the entry is a \"" + type + "\" record, not a build-log");
  }
  VIGIL_RETURN_IF_ERROR(CheckMemberCount(json, 9, "the build-log entry"));
  LoggedBuild build;
  VIGIL_ASSIGN_OR_RETURN(build.build_id, StringMember(json, "build_id"));
  VIGIL_ASSIGN_OR_RETURN(build.start, StringMember(json, "start"));
  VIGIL_ASSIGN_OR_RETURN(build.end, StringMember(json, "end"));
  VIGIL_ASSIGN_OR_RETURN(build.log_sha256, StringMember(json, "log_sha256"));
  VIGIL_ASSIGN_OR_RETURN(build.status, StringMember(json, "status"));
  if (build.status != "closed" && build.status != "truncated") {
    return Error::BadInput("the entry's status is neither \"closed\" nor \"truncated\"");
  }
  VIGIL_ASSIGN_OR_RETURN(build.lines, UnsignedMember(json, "lines"));
  VIGIL_RETURN_IF_ERROR(ReadIdentity(json, "builder", &build.builder_name, &build.builder_tags));
  VIGIL_ASSIGN_OR_RETURN(build.artifacts, ArtifactsMember(json, "artifacts"));
  if (!IsSha256Hex(build.log_sha256)) {
    return Error::BadInput("the entry's log_sha256 is not 64 lowercase hex digits");
  }
  // Last, once every member is known to be of its type (so the nesting is shallow): the
  // ledger writes canonical JSON, and an entry spelt otherwise is not one it wrote.
  VIGIL_RETURN_IF_ERROR(CheckCanonical(json, entry, "the build-log entry"));
  return build;
}

Bytes SerializeBuildLogEntry(const LoggedBuild& build) {
  // std::map-backed: keys come out sorted, as RFC 8785 wants for ASCII keys.
  Json json{{"artifacts", ArtifactsJson(build.artifacts)},
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
