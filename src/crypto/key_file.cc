#include "crypto/key_file.h"

#include "base/file.h"
#include "base/hex.h"
#include "base/secret_file_mode.h"

namespace vigil::crypto {
namespace {

constexpr std::size_t kMaxHexFileBytes = 128 * 1024;

// Hex digits of secrets are converted without tables or branches that depend on their
// values (the arithmetic of libsodium's sodium_bin2hex/sodium_hex2bin).

// The value of hex digit `c` (either case), or -1.
int SecretHexValue(unsigned char c) {
  int num = c ^ 0x30;                                   // '0'..'9' -> 0..9
  int num_mask = (num - 10) >> 8;                       // -1 when num < 10
  int alpha = (c & 0xdf) - 55;                          // 'A'..'F', 'a'..'f' -> 10..15
  int alpha_mask = ((alpha - 10) ^ (alpha - 16)) >> 8;  // -1 when 10 <= alpha < 16
  int valid = num_mask | alpha_mask;
  return (valid & ((num_mask & num) | (alpha_mask & alpha))) | ~valid;
}

// The lowercase hex digit of `nibble` (0..15).
std::uint8_t SecretHexDigit(unsigned nibble) {
  int n = static_cast<int>(nibble);
  return static_cast<std::uint8_t>(n + '0' + (((9 - n) >> 8) & ('a' - '0' - 10)));
}

// The hex text of a file: its bytes without one optional final "\n".
std::string_view HexText(const SecretBytes& file) {
  std::string_view text = AsText(file.view());
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

bool IsSpace(char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }

Result<SecretBytes> ReadHex(const std::filesystem::path& path, std::size_t size) {
  auto raw = ReadFile(path, kMaxHexFileBytes);
  if (!raw.ok()) return raw.error();
  SecretBytes file(*raw);
  Wipe(*raw);
  std::string_view text = HexText(file);
  if (!text.empty() && (IsSpace(text.back()) || IsSpace(text.front()))) {
    return Error::BadInput(path.string() +
                           ": white space around the hex text; only one final newline is allowed");
  }
  auto decoded = HexDecodeSecret(text);
  if (!decoded.ok()) return decoded.error().WithContext(path.string());
  if (size != 0 && decoded->size() != size) {
    return Error::BadInput(path.string() + " holds " + std::to_string(decoded->size()) +
                           " bytes; expected " + std::to_string(size) + " (" +
                           std::to_string(2 * size) + " hex digits)");
  }
  if (decoded->empty()) return Error::BadInput(path.string() + " is empty");
  return decoded;
}

}  // namespace

Result<SecretBytes> HexDecodeSecret(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Error::BadInput("hex text has an odd number of digits (" + std::to_string(hex.size()) +
                           ")");
  }
  SecretBytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = SecretHexValue(static_cast<unsigned char>(hex[2 * i]));
    int lo = SecretHexValue(static_cast<unsigned char>(hex[2 * i + 1]));
    if (hi < 0 || lo < 0) {
      // The offset only: the content may be secret.
      return Error::BadInput("not hex text: bad character at offset " +
                             std::to_string(hi < 0 ? 2 * i : 2 * i + 1));
    }
    out.data()[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

Result<SecretBytes> ReadSecretHexFile(const std::filesystem::path& path, std::size_t size) {
  VIGIL_RETURN_IF_ERROR(CheckSecretFileMode(path));
  return ReadHex(path, size);
}

Result<Bytes> ReadHexFile(const std::filesystem::path& path, std::size_t size) {
  VIGIL_ASSIGN_OR_RETURN(SecretBytes data, ReadHex(path, size));
  return Bytes(data.view().begin(), data.view().end());
}

Status WriteSecretHexFile(const std::filesystem::path& path, const SecretBytes& secret) {
  SecretBytes hex(secret.size() * 2);
  for (std::size_t i = 0; i < secret.size(); ++i) {
    hex.data()[2 * i] = SecretHexDigit(secret.data()[i] >> 4);
    hex.data()[2 * i + 1] = SecretHexDigit(secret.data()[i] & 0x0f);
  }
  return CreateFileAtomic(path, hex.view(), 0600);
}

Status WriteHexFile(const std::filesystem::path& path, ByteView data) {
  return CreateFileAtomic(path, AsBytes(HexEncode(data)), 0644);
}

}  // namespace vigil::crypto
