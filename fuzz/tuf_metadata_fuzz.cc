// libFuzzer target: arbitrary bytes as each kind of TUF metadata file, as `vigil repo
// fetch` reads what a repository serves. The readers are strict, so whatever one accepts
// must be written again (canonically, unsigned) and read back as the same role.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tuf/metadata.h"

namespace tuf = vigil::tuf;

namespace {

template <typename Read, typename Write>
void RoundTrip(std::string_view text, Read read, Write write) {
  auto file = read(text);
  if (!file.ok()) return;
  auto written = write(file->role, {});
  if (!written.ok()) __builtin_trap();
  auto again = read(*written);
  if (!again.ok() || !(again->role == file->role)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  RoundTrip(text, tuf::ReadRoot, tuf::WriteRoot);
  RoundTrip(text, tuf::ReadTargets, tuf::WriteTargets);
  RoundTrip(text, tuf::ReadSnapshot, tuf::WriteSnapshot);
  RoundTrip(text, tuf::ReadTimestamp, tuf::WriteTimestamp);
  return 0;
}
