#include "ledger/build_log_protocol.h"

#include "base/strict_number.h"
#include "tlog/receipt.h"

namespace vigil::ledger {
namespace {

constexpr std::string_view kReceiptLine = "receipt";

// An unknown line's first 40 bytes, printable ASCII kept and every other byte shown as '.'.
std::string Shown(std::string_view line) {
  std::string shown(line.substr(0, 40));
  for (char& c : shown) {
    if (c < 0x20 || c > 0x7e) c = '.';
  }
  return shown;
}

Result<Artifact> ParseArtifactFields(std::string_view fields) {
  const std::size_t space = fields.find(' ');
  if (space == std::string_view::npos) {
    return Error::BadInput("an artifact line is `artifact SHA256 NAME`");
  }
  return ParseArtifact(fields.substr(0, space), fields.substr(space + 1));
}

}  // namespace

std::string FormatLogLine(std::string_view text) { return "log " + std::string(text) + "\n"; }

std::string FormatSyncLine() { return "sync\n"; }

std::string FormatArtifactLine(const Artifact& artifact) {
  return "artifact " + artifact.hex() + " " + artifact.name + "\n";
}

std::string FormatCloseLine() { return "close\n"; }

Result<BuildLogLine> ParseBuildLogLine(std::string_view line) {
  if (line.starts_with("log ") || line == "log") {
    return BuildLogLine{BuildLogLineKind::kLog, line.substr(line.size() > 3 ? 4 : 3), {}};
  }
  if (line == "sync") return BuildLogLine{BuildLogLineKind::kSync, {}, {}};
  if (line.starts_with("artifact ")) {
    VIGIL_ASSIGN_OR_RETURN(Artifact artifact, ParseArtifactFields(line.substr(9)));
    return BuildLogLine{BuildLogLineKind::kArtifact, {}, std::move(artifact)};
  }
  if (line == "close") return BuildLogLine{BuildLogLineKind::kClose, {}, {}};
  return Error::BadInput("unknown line '" + Shown(line) +
                         "': send `log TEXT`, `artifact SHA256 NAME`, `sync` or `close`");
}

std::string FormatAck(std::uint64_t durable_lines) {
  return "ack " + std::to_string(durable_lines) + "\n";
}

std::string FormatReceiptAnswer(std::string_view receipt) {
  return std::string(kReceiptLine) + "\n" + std::string(receipt);
}

Status BuildLogAnswerReader::Append(std::string_view chunk) {
  if (!in_receipt_) {
    lines_.Append(chunk);
    while (auto line = lines_.Next()) {
      if (line->text == kReceiptLine && !line->cut) {
        in_receipt_ = true;
        chunk = lines_.Unread();
        break;
      }
      auto ack = line->text.starts_with("ack ") && !line->cut
                     ? ScanUnsigned(line->text.substr(4), 0, kMaxUint64, LeadingZeros::kRefused)
                     : ScannedNumber<std::uint64_t>{0, NumberProblem::kNotDecimal};
      if (!ack.ok()) {
        return Error::BadInput("the ledger answered an unknown line '" + Shown(line->text) +
                               "' (expected `ack N` or `receipt`)");
      }
      acked_ = ack.value;
    }
    if (!in_receipt_) return OkStatus();
  }
  if (receipt_.size() + chunk.size() > tlog::kMaxReceiptSize) {
    return Error::BadInput("the ledger's receipt is longer than " +
                           std::to_string(tlog::kMaxReceiptSize) + " bytes");
  }
  receipt_.append(chunk);
  return OkStatus();
}

Result<std::string> BuildLogAnswerReader::Receipt() const {
  if (!in_receipt_) return Error::Failed("the ledger answered no receipt");
  return receipt_;
}

}  // namespace vigil::ledger
