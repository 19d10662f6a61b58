// libFuzzer target: arbitrary bytes as a maintainer's clear-signed command, as
// vigil-gateway reads POST /commands. Whatever the reader accepts must be in its normal
// form already (reading the normal form gives the same result), and its line must be
// within the bounds the reader promises.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/clearsigned.h"
#include "gateway/command.h"

namespace gateway = vigil::gateway;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto signed_command = gateway::ParseClearSigned(text);
  (void)gateway::ParseCommand(text);
  if (!signed_command.ok()) return 0;
  if (signed_command->line.empty() || signed_command->line.size() > gateway::kMaxCommandLine) {
    __builtin_trap();
  }
  auto again = gateway::ParseClearSigned(signed_command->normalized);
  if (!again.ok() || again->line != signed_command->line ||
      again->signature != signed_command->signature ||
      again->normalized != signed_command->normalized) {
    __builtin_trap();
  }
  (void)gateway::ParseCommand(signed_command->line);
  return 0;
}
