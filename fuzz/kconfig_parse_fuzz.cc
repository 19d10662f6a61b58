// libFuzzer target: the Kconfig fragment/.config reader on arbitrary text; accepted values
// written back in Kconfig's form must read back to the same values.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernel/kconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto values = vigil::kernel::ParseKconfig(text, "fuzz.config");
  if (!values.ok()) return 0;
  auto again = vigil::kernel::ParseKconfig(vigil::kernel::FormatKconfig(*values), "again");
  if (!again.ok() || *again != *values) __builtin_trap();
  return 0;
}
