// The builder's answer to vigil.TriggerBuild+COMPONENT (docs/SPEC-builder.md): lines, each
// ended by '\n', that the builder writes and `vigil build` reads.
//   build ID        once, first: the build's id
//   log TEXT        each line of the build's log as it is produced (any bytes but '\n')
//   result JSON     last, and only when the build was published: BuildResult as canonical
//                   JSON {"build_id","commit","component","key_id","ledger_index",
//                   "published","version"}
// A failed build has no result line: the call's exit status says why.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/line_splitter.h"
#include "base/result.h"

namespace vigil::builder {

// How much of one answer line a reader buffers before its newline; past it a `log` line
// reaches it cut (the ledger stores a build's lines cut at 4 KiB anyway), a `build` or
// `result` line is refused.
inline constexpr std::size_t kMaxBuildAnswerLine = 1 << 20;
// Bounds of the fields of `build` and `result`, far above what the builder writes.
inline constexpr std::size_t kMaxBuildAnswerField = 4096;

struct BuildResult {
  std::string build_id;
  std::string component;
  std::string version;
  std::string commit;
  std::uint64_t ledger_index = 0;
  std::string published;  // the directory of the published build
  std::string key_id;     // the key that signed the provenance

  bool operator==(const BuildResult&) const = default;
};

struct BuildAnswerLine {
  enum class Kind { kBuild, kLog, kResult } kind = Kind::kLog;
  std::string text;    // kBuild: the build id; kLog: the log line
  BuildResult result;  // kResult
};

// The lines as the builder writes them, each with its '\n'. `text` must hold no '\n'.
std::string FormatBuildStarted(std::string_view build_id);
std::string FormatBuildLog(std::string_view text);
std::string FormatBuildResult(const BuildResult& result);

// BuildResult as JSON: canonical (as in the result line) with indent < 0, else
// pretty-printed with that indent (for `vigil build --json`).
std::string BuildResultJson(const BuildResult& result, int indent = -1);

// Parses one line (without its '\n') strictly: the keyword and one space; a build id of
// 1-kMaxBuildAnswerField printable ASCII bytes without spaces; a result that is canonical
// JSON with exactly BuildResult's members, strings of at most kMaxBuildAnswerField bytes
// and an unsigned ledger_index. BadInput otherwise, with a printable message.
Result<BuildAnswerLine> ParseBuildAnswerLine(std::string_view line);

// Reads the answer as it arrives in chunks of the call's output.
class BuildAnswerReader {
 public:
  void Append(std::string_view chunk) { lines_.Append(chunk); }
  // The next complete line, parsed; nullopt when none is buffered. A `log` line that
  // outgrew kMaxBuildAnswerLine comes cut (LineSplitter); any other cut line is refused.
  Result<std::optional<BuildAnswerLine>> Next();
  // True when the answer stopped inside a line.
  bool InsideLine() const { return lines_.InsideLine(); }

 private:
  LineSplitter lines_{kMaxBuildAnswerLine};
};

}  // namespace vigil::builder
