#include "ledger/build_log_line.h"

#include <string>

namespace vigil::ledger {

Result<BuildLogLine> ParseBuildLogLine(std::string_view line) {
  if (line.starts_with("log ") || line == "log") {
    return BuildLogLine{BuildLogLineKind::kLog, line.substr(line.size() > 3 ? 4 : 3)};
  }
  if (line == "sync") return BuildLogLine{BuildLogLineKind::kSync, {}};
  if (line.starts_with("artifact ")) {
    return BuildLogLine{BuildLogLineKind::kArtifact, line.substr(9)};
  }
  if (line == "close") return BuildLogLine{BuildLogLineKind::kClose, {}};
  std::string shown(line.substr(0, 40));
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) c = '.';
  }
  return Error::BadInput("unknown line '" + shown +
                         "': send `log TEXT`, `artifact SHA256 NAME`, `sync` or `close`");
}

Result<Artifact> ParseArtifactLine(std::string_view fields) {
  const std::size_t space = fields.find(' ');
  if (space == std::string_view::npos) {
    return Error::BadInput("an artifact line is `artifact SHA256 NAME`");
  }
  return ParseArtifact(fields.substr(0, space), fields.substr(space + 1));
}

}  // namespace vigil::ledger
