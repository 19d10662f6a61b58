// The lines a builder sends on vigil.BuildLog (docs/SPEC-ledger.md, "Services"), one per
// newline-terminated line: `log TEXT`, `sync`, `artifact SHA256 NAME`, `close`. Pure
// parsing, apart from the stream's state (LedgerService) so that it can be fuzzed.
#pragma once

#include <string_view>

#include "base/result.h"
#include "ledger/build_entry.h"

namespace vigil::ledger {

enum class BuildLogLineKind { kLog, kSync, kArtifact, kClose };

struct BuildLogLine {
  BuildLogLineKind kind = BuildLogLineKind::kLog;
  // kLog: the text after "log " (empty for a bare "log"); kArtifact: the fields after
  // "artifact ", for ParseArtifactLine; empty otherwise. Views the line.
  std::string_view rest;
};

// Recognises one line (without its newline) by its keyword: "log TEXT" or "log", "sync",
// "artifact ..." and "close"; anything else is BadInput, whose message shows the line's
// first 40 bytes with bytes outside printable ASCII as '.'.
Result<BuildLogLine> ParseBuildLogLine(std::string_view line);

// Parses the fields of an artifact line, "SHA256 NAME" (split at the first space), with
// ParseArtifact's rules.
Result<Artifact> ParseArtifactLine(std::string_view fields);

}  // namespace vigil::ledger
