#include "provenance/provenance.h"

#include <nlohmann/json.hpp>

#include "encoding/strict_json.h"

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;
using Pointer = Json::json_pointer;

Result<std::string> StringAt(const Json& json, const char* pointer) {
  const Pointer at(pointer);
  if (!json.contains(at) || !json.at(at).is_string()) {
    return Error::BadInput(std::string("the statement has no string at ") + pointer);
  }
  return json.at(at).get<std::string>();
}

}  // namespace

std::string MakeStatement(const ProvenanceFacts& facts) {
  Json subjects = Json::array();
  for (const LoggedArtifact& subject : facts.subjects) {
    subjects.push_back({{"digest", {{"sha256", subject.hex()}}}, {"name", subject.name}});
  }
  const LoggedBuild& build = facts.build;
  Json byproduct{{"annotations",
                  {{"ledger_index", facts.ledger_index},
                   {"ledger_origin", facts.ledger_origin},
                   {"lines", build.lines}}},
                 {"digest", {{"sha256", build.log_sha256}}},
                 {"name", "build-log"}};
  Json predicate{
      {"buildDefinition",
       {{"buildType", kBuildType}, {"externalParameters", {{"build_id", build.build_id}}}}},
      {"runDetails",
       {{"builder", {{"id", std::string(kBuilderIdPrefix) + build.builder_name}}},
        {"byproducts", Json::array({byproduct})},
        {"metadata",
         {{"finishedOn", build.end},
          {"invocationId", build.build_id},
          {"startedOn", build.start}}}}}};
  return Json{{"_type", kStatementType},
              {"predicate", predicate},
              {"predicateType", kSlsaProvenanceType},
              {"subject", subjects}}
      .dump();
}

Result<StatementSummary> ParseStatement(ByteView payload) {
  VIGIL_ASSIGN_OR_RETURN(const Json json,
                         encoding::ParseStrictJson(AsText(payload), "the envelope's payload"));
  if (!json.is_object()) return Error::BadInput("the envelope's payload is not a JSON object");
  VIGIL_ASSIGN_OR_RETURN(std::string type, StringAt(json, "/_type"));
  VIGIL_ASSIGN_OR_RETURN(std::string predicate_type, StringAt(json, "/predicateType"));
  if (type != kStatementType || predicate_type != kSlsaProvenanceType) {
    return Error::BadInput("the payload is not an in-toto v1 Statement with SLSA v1 provenance");
  }
  StatementSummary summary;
  VIGIL_ASSIGN_OR_RETURN(summary.builder_id, StringAt(json, "/predicate/runDetails/builder/id"));
  VIGIL_ASSIGN_OR_RETURN(summary.build_id,
                         StringAt(json, "/predicate/buildDefinition/externalParameters/build_id"));
  VIGIL_ASSIGN_OR_RETURN(summary.log_sha256,
                         StringAt(json, "/predicate/runDetails/byproducts/0/digest/sha256"));
  VIGIL_ASSIGN_OR_RETURN(
      summary.ledger_origin,
      StringAt(json, "/predicate/runDetails/byproducts/0/annotations/ledger_origin"));
  const Pointer index("/predicate/runDetails/byproducts/0/annotations/ledger_index");
  if (!json.contains(index) || !json.at(index).is_number_unsigned()) {
    return Error::BadInput("the statement has no ledger index");
  }
  summary.ledger_index = json.at(index).get<std::uint64_t>();
  const Json* subjects = json.contains("subject") ? &json["subject"] : nullptr;
  if (!subjects || !subjects->is_array() || subjects->empty() ||
      subjects->size() > kMaxLoggedArtifacts) {
    return Error::BadInput("the statement has no subjects");
  }
  for (const Json& subject : *subjects) {
    LoggedArtifact artifact;
    VIGIL_ASSIGN_OR_RETURN(artifact.name, StringAt(subject, "/name"));
    VIGIL_ASSIGN_OR_RETURN(std::string sha256, StringAt(subject, "/digest/sha256"));
    VIGIL_ASSIGN_OR_RETURN(artifact.sha256, crypto::ParseSha256Hex(sha256, "a subject's sha256"));
    summary.subjects.push_back(std::move(artifact));
  }
  return summary;
}

}  // namespace vigil::provenance
