// libFuzzer target: the vigil.BuildLog line protocol on arbitrary bytes. Each line goes
// through the ledger's parser (ParseBuildLogLine, then ParseArtifactLine for `artifact`): an
// accepted line is exactly what the builder would send for the parsed value, an accepted
// artifact is within the limits of build_log_limits.h, and a refusal's message is printable
// (it reaches the builder's terminal). The whole input is also read as the ledger's answer
// to a closed stream (the builder's ReceiptOfAnswer, then the receipt parser).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "builder/ledger_answer.h"
#include "encoding/build_log_limits.h"
#include "ledger/build_log_line.h"
#include "tlog/receipt.h"

namespace {

using vigil::ledger::BuildLogLineKind;

bool IsLowerHex64(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

void CheckLine(std::string_view line) {
  auto parsed = vigil::ledger::ParseBuildLogLine(line);
  if (!parsed.ok()) {
    for (char c : parsed.error().message()) {
      if (c < 0x20 || c > 0x7e) __builtin_trap();
    }
    return;
  }
  // What the builder sends: "log " + TEXT, "sync", "artifact " + SHA256 + " " + NAME, "close".
  switch (parsed->kind) {
    case BuildLogLineKind::kLog:
      if (line == "log" ? !parsed->rest.empty() : line != "log " + std::string(parsed->rest)) {
        __builtin_trap();
      }
      break;
    case BuildLogLineKind::kSync:
      if (line != "sync" || !parsed->rest.empty()) __builtin_trap();
      break;
    case BuildLogLineKind::kClose:
      if (line != "close" || !parsed->rest.empty()) __builtin_trap();
      break;
    case BuildLogLineKind::kArtifact: {
      if (line != "artifact " + std::string(parsed->rest)) __builtin_trap();
      auto artifact = vigil::ledger::ParseArtifactLine(parsed->rest);
      if (!artifact.ok()) break;
      if (!IsLowerHex64(artifact->sha256) ||
          !vigil::encoding::IsValidArtifactName(artifact->name) ||
          line != "artifact " + artifact->sha256 + " " + artifact->name) {
        __builtin_trap();
      }
      break;
    }
  }
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

  auto receipt = vigil::builder::ReceiptOfAnswer(input);
  if (receipt.ok()) {
    // The answer is some lines, then "receipt\n", then the receipt.
    const std::size_t at = input.size() - receipt->size();
    if (at < 8 || input.substr(at - 8, 8) != "receipt\n" || input.substr(at) != *receipt ||
        (at > 8 && input[at - 9] != '\n')) {
      __builtin_trap();
    }
    (void)vigil::tlog::ParseReceipt(*receipt);
  }
  return 0;
}
