// libFuzzer target: the ledger's record readers on arbitrary bytes: the signature record
// (provenance::ParseLoggedSignature: the signer and verify-artifact) and the build-log entry
// (provenance::ParseBuildLogEntry: the signer, the builder and verify-artifact). A signature
// record it accepts is written back by the signer's writer to the same bytes less the
// submitter the ledger added. Whatever it accepts is within the
// limits the ledger writes entries with (encoding/build_log_limits.h, docs/SPEC-ledger.md),
// and, entries being canonical JSON, the codec's writer and the ledger's (through it) format
// it back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "encoding/build_log_limits.h"
#include "ledger/build_entry.h"
#include "provenance/build_log_entry.h"
#include "provenance/signature_record.h"

namespace {

void CheckSignatureRecord(const vigil::ByteView input) {
  auto logged = vigil::provenance::ParseLoggedSignature(input);
  if (!logged.ok()) return;
  if (!vigil::provenance::IsSha256Hex(logged->record.envelope_sha256)) __builtin_trap();
  if (logged->record.subjects.size() > vigil::encoding::kMaxBuildArtifacts) __builtin_trap();
  // The submitter is the member between "subjects" and "type" in canonical order.
  const std::string text(vigil::AsText(input));
  const std::size_t from = text.find(",\"submitter\":");
  const std::size_t to = text.rfind(",\"type\":");
  if (from == std::string::npos || to == std::string::npos || to < from) __builtin_trap();
  const std::string without = text.substr(0, from) + text.substr(to);
  if (vigil::provenance::SerializeSignatureRecord(logged->record) != without) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView input(data, size);
  CheckSignatureRecord(input);
  auto build = vigil::provenance::ParseBuildLogEntry(input);
  if (!build.ok()) return 0;

  if (build->artifacts.size() > vigil::encoding::kMaxBuildArtifacts) __builtin_trap();
  for (const auto& artifact : build->artifacts) {
    if (!vigil::encoding::IsValidArtifactName(artifact.name) ||
        !vigil::provenance::IsSha256Hex(artifact.hex())) {
      __builtin_trap();
    }
  }
  if (!vigil::provenance::IsSha256Hex(build->log_sha256)) __builtin_trap();
  if (build->status != "closed" && build->status != "truncated") __builtin_trap();
  if (vigil::AsText(vigil::provenance::SerializeBuildLogEntry(*build)) != vigil::AsText(input)) {
    __builtin_trap();
  }

  vigil::ledger::BuildEntry entry;
  entry.build_id = build->build_id;
  entry.builder = {build->builder_name, build->builder_tags};
  entry.start = build->start;
  entry.end = build->end;
  entry.lines = build->lines;
  entry.log_sha256 = build->log_sha256;
  entry.closed = build->status == "closed";
  for (const auto& artifact : build->artifacts) {
    entry.artifacts.push_back({artifact.name, artifact.sha256});
  }
  if (vigil::AsText(vigil::ledger::SerializeBuildEntry(entry)) != vigil::AsText(input)) {
    __builtin_trap();
  }
  return 0;
}
