// The vigil.BuildLog line protocol (docs/SPEC-ledger.md, "Services"), both directions. Pure
// formatting and parsing, with the bounds, so that the builder (through BuildLogClient) and
// the ledger (LedgerService) speak one format and it can be fuzzed.
//   builder -> ledger, lines ended by '\n':
//     log TEXT              one line of the build's output (any bytes but '\n'); "log"
//                           alone is an empty line
//     sync                  asks for "ack N" once N lines are durable
//     artifact SHA256 NAME  declares an artifact (before close)
//     close                 the build ended normally; the builder then half-closes
//   ledger -> builder: "ack N" lines as lines become durable and, after a normal close,
//     "receipt\n" followed by the tlog-proof of the build-log entry (to the end).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/line_splitter.h"
#include "base/result.h"
#include "ledger/build_entry.h"

namespace vigil::ledger {

// A line to the ledger may be this long; longer ones are cut there (the log text is stored
// cut to kMaxLineLength anyway) and the rest up to the newline is dropped.
inline constexpr std::size_t kMaxBuildLogLine = 64 * 1024;

enum class BuildLogLineKind { kLog, kSync, kArtifact, kClose };

struct BuildLogLine {
  BuildLogLineKind kind = BuildLogLineKind::kLog;
  std::string_view text;  // kLog: the text after "log " (empty for a bare "log")
  Artifact artifact;      // kArtifact
};

// The builder's lines, each with its '\n'. `text` must hold no '\n'.
std::string FormatLogLine(std::string_view text);
std::string FormatSyncLine();
std::string FormatArtifactLine(const Artifact& artifact);
std::string FormatCloseLine();

// Parses one line (without its '\n'): "log TEXT" or "log", "sync", "artifact SHA256 NAME"
// with ParseArtifact's rules for the fields (split at the first space), "close". BadInput
// otherwise; an unknown line's message shows its first 40 bytes with bytes outside
// printable ASCII as '.'. `text` views `line`.
Result<BuildLogLine> ParseBuildLogLine(std::string_view line);

// The ledger's answer.
std::string FormatAck(std::uint64_t durable_lines);
std::string FormatReceiptAnswer(std::string_view receipt);

// Reads the ledger's answer as it arrives: "ack N" lines (N decimal), then "receipt\n" and
// the receipt, at most tlog::kMaxReceiptSize bytes.
class BuildLogAnswerReader {
 public:
  // BadInput for a line that is neither an ack nor "receipt", or a receipt over its bound.
  Status Append(std::string_view chunk);
  // The receipt, once the answer has ended. Failed when it held none.
  Result<std::string> Receipt() const;
  // The last "ack N": the lines the ledger said were durable.
  std::uint64_t acked() const { return acked_; }

 private:
  LineSplitter lines_{64};  // "ack " and 20 digits
  bool in_receipt_ = false;
  std::string receipt_;
  std::uint64_t acked_ = 0;
};

}  // namespace vigil::ledger
