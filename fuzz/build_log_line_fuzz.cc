// libFuzzer target: the vigil.BuildLog line protocol (ledger/build_log_protocol.h) on
// arbitrary bytes. Each line goes through the ledger's parser: an accepted line is exactly
// what the builder's formatter writes for the parsed value, an accepted artifact is within
// the limits of build_log_limits.h, and a refusal's message is printable (it reaches the
// builder's terminal). The whole input is also read as the ledger's answer to a closed
// stream, whole and in chunks the first byte picks: the same acks and receipt either way,
// the receipt within its bound and exactly what follows the first "receipt" line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "encoding/build_log_limits.h"
#include "ledger/build_log_protocol.h"
#include "tlog/receipt.h"

namespace {

using vigil::ledger::BuildLogLineKind;

std::string Formatted(const vigil::ledger::BuildLogLine& line) {
  switch (line.kind) {
    case BuildLogLineKind::kLog:
      return vigil::ledger::FormatLogLine(line.text);
    case BuildLogLineKind::kSync:
      return vigil::ledger::FormatSyncLine();
    case BuildLogLineKind::kArtifact:
      return vigil::ledger::FormatArtifactLine(line.artifact);
    case BuildLogLineKind::kClose:
      return vigil::ledger::FormatCloseLine();
  }
  __builtin_trap();
}

void CheckLine(std::string_view line) {
  auto parsed = vigil::ledger::ParseBuildLogLine(line);
  if (!parsed.ok()) {
    for (char c : parsed.error().message()) {
      if (c < 0x20 || c > 0x7e) __builtin_trap();
    }
    return;
  }
  // A bare "log" is the one second spelling: of "log " (an empty line).
  const std::string expected = line == "log" ? "log \n" : std::string(line) + "\n";
  if (Formatted(*parsed) != expected) __builtin_trap();
  if (parsed->kind == BuildLogLineKind::kArtifact &&
      (!vigil::crypto::IsSha256Hex(parsed->artifact.hex()) ||
       !vigil::encoding::IsValidArtifactName(parsed->artifact.name))) {
    __builtin_trap();
  }
}

// The answer read in chunks: the acks, then the receipt or why not.
std::string ReadAnswer(std::string_view input, std::size_t chunk) {
  vigil::ledger::BuildLogAnswerReader reader;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    vigil::Status appended = reader.Append(input.substr(at, chunk));
    if (!appended.ok()) return "refused: " + appended.error().message();
  }
  auto receipt = reader.Receipt();
  if (receipt.ok() && receipt->size() > vigil::tlog::kMaxReceiptSize) __builtin_trap();
  return std::to_string(reader.acked()) + " " + (receipt.ok() ? *receipt : "none");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // The ledger splits the stream at '\n'; a last line without one is refused there.
  std::string_view rest = input;
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    CheckLine(rest.substr(0, newline));
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }

  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  const std::string whole = ReadAnswer(input, input.size() + 1);
  if (ReadAnswer(input, chunk) != whole) __builtin_trap();
  vigil::ledger::BuildLogAnswerReader reader;
  if (reader.Append(input).ok() && reader.Receipt().ok()) {
    // The answer is acks, then "receipt\n", then the receipt.
    const std::string receipt = *reader.Receipt();
    const std::size_t at = input.size() - receipt.size();
    if (at < 8 || input.substr(at - 8, 8) != "receipt\n" || (at > 8 && input[at - 9] != '\n')) {
      __builtin_trap();
    }
    (void)vigil::tlog::ParseReceipt(receipt);
  }
  return 0;
}
