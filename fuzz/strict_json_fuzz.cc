// libFuzzer target: the strict JSON parser for untrusted documents (DSSE envelopes, EIF
// metadata, in-toto statements, sign requests). An accepted document holds no key twice in
// any object, nests no deeper than the limit it was given, and survives a round trip:
// serialised and parsed again strictly, it is the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "encoding/strict_json.h"

namespace {

constexpr std::size_t kMaxDepth = 8;

std::size_t Depth(const nlohmann::json& value) {
  std::size_t deepest = 0;
  if (value.is_object() || value.is_array()) {
    for (const auto& child : value) deepest = std::max(deepest, Depth(child) + 1);
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = vigil::encoding::ParseStrictJson(input, "fuzz", kMaxDepth);
  if (!parsed.ok()) return 0;
  if (input.find('\0') != std::string_view::npos) __builtin_trap();
  if (Depth(*parsed) > kMaxDepth) __builtin_trap();
  const std::string again = parsed->dump();
  auto reparsed = vigil::encoding::ParseStrictJson(again, "fuzz", kMaxDepth);
  if (!reparsed.ok() || *reparsed != *parsed) __builtin_trap();
  return 0;
}
