// libFuzzer target: the builder's answer to `vigil build` (builder/build_answer.h) on
// arbitrary bytes. Each line goes through ParseBuildAnswerLine: an accepted line is exactly
// what the builder writes for the parsed value (one spelling per value), and a refusal's
// message is Printable (the CLI prints it). The input is also read through
// BuildAnswerReader in chunks whose sizes the input's first byte picks: the same lines come
// out as when it is split whole (the inputs are shorter than the line bound), and none is
// longer than the bound plus a chunk.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.h"
#include "builder/build_answer.h"

namespace {

using vigil::builder::BuildAnswerLine;

std::string Formatted(const BuildAnswerLine& line) {
  switch (line.kind) {
    case BuildAnswerLine::Kind::kBuild:
      return vigil::builder::FormatBuildStarted(line.text);
    case BuildAnswerLine::Kind::kLog:
      return vigil::builder::FormatBuildLog(line.text);
    case BuildAnswerLine::Kind::kResult:
      return vigil::builder::FormatBuildResult(line.result);
  }
  __builtin_trap();
}

void CheckLine(std::string_view line) {
  auto parsed = vigil::builder::ParseBuildAnswerLine(line);
  if (!parsed.ok()) {
    // Nothing in it that a terminal would interpret (base/printable.h escapes the rest).
    const std::string& message = parsed.error().message();
    if (!vigil::IsValidUtf8(message)) __builtin_trap();
    for (std::size_t i = 0; i < message.size(); ++i) {
      const auto byte = static_cast<unsigned char>(message[i]);
      const bool c1 = byte == 0xc2 && i + 1 < message.size() &&
                      static_cast<unsigned char>(message[i + 1]) < 0xa0;
      if (byte < 0x20 || byte == 0x7f || c1) __builtin_trap();
    }
    return;
  }
  if (Formatted(*parsed) != std::string(line) + "\n") __builtin_trap();
}

// Every line the reader returns, formatted again, or where it refused.
std::string ReadAll(std::string_view input, std::size_t chunk) {
  vigil::builder::BuildAnswerReader reader;
  std::string out;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    reader.Append(input.substr(at, chunk));
    while (true) {
      auto next = reader.Next();
      if (!next.ok()) return out + "refused: " + next.error().message();
      if (!next->has_value()) break;
      if ((*next)->text.size() > vigil::builder::kMaxBuildAnswerLine + chunk) __builtin_trap();
      out += Formatted(**next);
    }
  }
  return out + (reader.InsideLine() ? "inside" : "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    CheckLine(rest.substr(0, newline));
    if (newline == std::string_view::npos) break;
    rest.remove_prefix(newline + 1);
  }
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 64;
  if (ReadAll(input, chunk) != ReadAll(input, input.size() + 1)) __builtin_trap();
  return 0;
}
