// libFuzzer target: the strict qos canonical JSON parser on arbitrary bytes. Accepted text must
// be exactly what Serialize writes for the parsed value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quorum/qos_json.h"

namespace qos_json = vigil::quorum::qos_json;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = qos_json::ParseCanonical(text);
  if (!parsed.ok()) return 0;
  auto again = qos_json::Serialize(*parsed);
  if (!again.ok() || *again != text) __builtin_trap();
  return 0;
}
