// libFuzzer target: the auditor's trusted file (tlog::ParseTrustedLog, what `vigil log verify
// --trusted FILE` reads) on arbitrary text. Whatever it accepts has a verifier key that
// names its log, and a checkpoint, if any, of that log.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tlog/trusted_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto trusted = vigil::tlog::ParseTrustedLog(input, "fuzz");
  if (!trusted.ok()) return 0;
  if (trusted->vkey.empty() || trusted->vkey.find('\n') != std::string::npos) __builtin_trap();
  if (trusted->checkpoint && trusted->checkpoint->origin != trusted->verifier.name()) {
    __builtin_trap();
  }
  return 0;
}
