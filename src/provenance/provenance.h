// The statement the signer signs: an in-toto v1 Statement whose subjects are the artifacts,
// with a SLSA v1 provenance predicate naming the builder, the build and where its log is
// in the ledger. Serialized as canonical JSON (sorted keys, no whitespace).
//
//   {"_type":"https://in-toto.io/Statement/v1",
//    "subject":[{"digest":{"sha256":HEX},"name":NAME}],
//    "predicateType":"https://slsa.dev/provenance/v1",
//    "predicate":{"buildDefinition":{"buildType":"urn:vigil:build-type:v1",
//                                    "externalParameters":{"build_id":ID}},
//                 "runDetails":{"builder":{"id":"urn:vigil:builder:NAME"},
//                               "metadata":{"invocationId":ID,"startedOn":T,"finishedOn":T},
//                               "byproducts":[{"name":"build-log","digest":{"sha256":HEX},
//                                              "annotations":{"ledger_origin":O,
//                                                             "ledger_index":N,"lines":N}}]}}}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "provenance/build_log_entry.h"

namespace vigil::provenance {

inline constexpr std::string_view kStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kSlsaProvenanceType = "https://slsa.dev/provenance/v1";
inline constexpr std::string_view kBuildType = "urn:vigil:build-type:v1";
inline constexpr std::string_view kBuilderIdPrefix = "urn:vigil:builder:";

struct ProvenanceFacts {
  LoggedBuild build;
  std::vector<LoggedArtifact> subjects;
  std::string ledger_origin;
  std::uint64_t ledger_index = 0;
};

std::string MakeStatement(const ProvenanceFacts& facts);

// What a verifier needs from a statement. BadInput unless it is an in-toto v1 Statement
// with a Vigil SLSA v1 provenance predicate.
struct StatementSummary {
  std::vector<LoggedArtifact> subjects;
  std::string builder_id;
  std::string build_id;
  std::string log_sha256;
  std::string ledger_origin;
  std::uint64_t ledger_index = 0;
};
Result<StatementSummary> ParseStatement(ByteView payload);

}  // namespace vigil::provenance
