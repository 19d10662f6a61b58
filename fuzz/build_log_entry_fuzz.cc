// libFuzzer target: the build-log entry reader (provenance::ParseBuildLogEntry, which the signer,
// the builder and verify-artifact use) on arbitrary bytes. Whatever it accepts is within the
// limits the ledger writes entries with (encoding/build_log_limits.h, docs/SPEC-ledger.md),
// and, entries being canonical JSON, the codec's writer and the ledger's (through it) format
// it back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "encoding/build_log_limits.h"
#include "ledger/build_entry.h"
#include "provenance/build_record.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView input(data, size);
  auto build = vigil::provenance::ParseBuildLogEntry(input);
  if (!build.ok()) return 0;

  if (build->artifacts.size() > vigil::encoding::kMaxBuildArtifacts) __builtin_trap();
  for (const auto& artifact : build->artifacts) {
    if (!vigil::encoding::IsValidArtifactName(artifact.name) ||
        !vigil::provenance::IsSha256Hex(artifact.sha256)) {
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
