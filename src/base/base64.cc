#include "base/base64.h"

#include <array>
#include <cstdint>

namespace vigil {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The 6-bit value of each alphabet character, -1 for every other byte.
constexpr std::array<std::int8_t, 256> kValues = [] {
  std::array<std::int8_t, 256> values{};
  values.fill(-1);
  for (int i = 0; i < 64; ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}();

Error NotBase64(const std::string& why) { return Error::BadInput("not valid base64: " + why); }

// Zeroes bytes decoded before an error was found, since the text may have been a secret.
// Volatile stores, so the compiler cannot drop them as dead before the buffer is freed.
void Clear(Bytes& bytes) {
  volatile std::uint8_t* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
}

}  // namespace

std::string Base64Encode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16 |
                          static_cast<std::uint32_t>(bytes[i + 1]) << 8 | bytes[i + 2];
    out.push_back(kAlphabet[group >> 18 & 0x3f]);
    out.push_back(kAlphabet[group >> 12 & 0x3f]);
    out.push_back(kAlphabet[group >> 6 & 0x3f]);
    out.push_back(kAlphabet[group & 0x3f]);
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
    out.push_back(kAlphabet[group >> 18 & 0x3f]);
    out.push_back(kAlphabet[group >> 12 & 0x3f]);
    out.append("==");
  } else if (rest == 2) {
    std::uint32_t group =
        static_cast<std::uint32_t>(bytes[i]) << 16 | static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[group >> 18 & 0x3f]);
    out.push_back(kAlphabet[group >> 12 & 0x3f]);
    out.push_back(kAlphabet[group >> 6 & 0x3f]);
    out.push_back('=');
  }
  return out;
}

Result<Bytes> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return NotBase64("its length " + std::to_string(text.size()) +
                     " is not a multiple of 4 (missing or extra '=' padding?)");
  }
  // Padding: at most two '=' and only at the very end.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  }
  const std::size_t data_chars = text.size() - padding;
  // Reserved in full, so growth never leaves an unwiped copy of a secret behind; on an error
  // the partial output is zeroed.
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const std::int8_t value = kValues[static_cast<unsigned char>(text[i])];
    if (value < 0) {
      Clear(out);
      if (text[i] == '=') {
        return NotBase64("misplaced '=' padding at offset " + std::to_string(i));
      }
      return NotBase64("the character at offset " + std::to_string(i) +
                       " is not in the standard alphabet (A-Z, a-z, 0-9, '+', '/'; no "
                       "whitespace)");
    }
    accumulator = (accumulator << 6 | static_cast<std::uint32_t>(value)) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(accumulator >> bits));
    }
  }
  // What is left are the unused low bits of the last character: 2 bits before "==", 4 before
  // "=", none without padding. A canonical encoding has them zero.
  if ((accumulator & ((1u << bits) - 1)) != 0) {
    Clear(out);
    return NotBase64(
        "non-canonical encoding (the unused bits before the '=' padding are not "
        "zero)");
  }
  return out;
}

}  // namespace vigil
