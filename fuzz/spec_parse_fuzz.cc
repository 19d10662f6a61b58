// libFuzzer target: the image spec parser on arbitrary text; an accepted spec's resolved
// form must parse again to the same resolved form.
#include <cstddef>
#include <cstdint>
#include <string>

#include "image/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto spec = vigil::image::ParseSpec(text, "/fuzz", "fuzz.toml", std::nullopt);
  if (!spec.ok()) return 0;
  std::string resolved = vigil::image::ResolvedSpecToml(*spec);
  auto again = vigil::image::ParseSpec(resolved, "/fuzz", "resolved.toml", std::nullopt);
  if (!again.ok() || vigil::image::ResolvedSpecToml(*again) != resolved) __builtin_trap();
  return 0;
}
