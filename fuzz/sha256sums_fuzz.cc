// libFuzzer target: the SHA256SUMS parser (encoding::ParseSums, behind ReadSums) on arbitrary
// text. It is strict, so whatever it accepts is within its limits (at most 4096 lines, plain
// names, 64 lowercase hex digits) and FormatSums writes it back to exactly the input.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "encoding/sha256sums.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto sums = vigil::encoding::ParseSums(input);
  if (!sums.ok()) return 0;
  if (sums->size() > 4096) __builtin_trap();
  std::vector<vigil::encoding::SumEntry> entries;
  for (const auto& [name, sha256] : *sums) {
    if (name.empty() || name == "." || name == ".." ||
        name.find_first_of(std::string_view("/\n\0", 3)) != std::string::npos) {
      __builtin_trap();
    }
    entries.push_back({name, sha256});
  }
  if (vigil::encoding::FormatSums(entries) != input) __builtin_trap();
  return 0;
}
