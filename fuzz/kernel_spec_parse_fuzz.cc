// libFuzzer target: the kernel spec parser on arbitrary text (fragments resolve against
// /fuzz, which does not exist, so an accepted spec needs absolute fragment paths).
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernel/kernel_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = vigil::kernel::ParseKernelSpec(text, "/fuzz/kernel.toml");
  if (spec.ok() && (spec->targets.empty() || spec->fragments.empty())) __builtin_trap();
  return 0;
}
