// libFuzzer target: PE images from arbitrary bytes, hashed the Authenticode way and, as
// bzImages, patched as QEMU loads them; nothing may be read outside the input.
#include <cstddef>
#include <cstdint>

#include "image/authenticode.h"
#include "image/tpm_pcrs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  (void)vigil::image::AuthenticodeSha256(bytes);
  auto patched = vigil::image::QemuPatchedKernel(bytes, "console=ttyS0", 4096, 128);
  if (patched.ok() && patched->size() != size) __builtin_trap();
  return 0;
}
