#include "crypto/key_file.h"

#include "base/file.h"
#include "base/hex.h"

namespace vigil::crypto {
namespace {

constexpr std::size_t kMaxHexFileBytes = 128 * 1024;

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The hex text of a file: its bytes without one optional final "\n".
std::string_view HexText(const SecretBytes& file) {
  std::string_view text = AsText(file.view());
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

Result<SecretBytes> ReadHex(const std::filesystem::path& path, std::size_t size) {
  auto raw = ReadFile(path, kMaxHexFileBytes);
  if (!raw.ok()) return raw.error();
  SecretBytes file(*raw);
  Wipe(*raw);
  auto decoded = HexDecodeSecret(HexText(file));
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
    int hi = HexDigit(hex[2 * i]);
    int lo = HexDigit(hex[2 * i + 1]);
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
  return ReadHex(path, size);
}

Result<Bytes> ReadHexFile(const std::filesystem::path& path, std::size_t size) {
  VIGIL_ASSIGN_OR_RETURN(SecretBytes data, ReadHex(path, size));
  return Bytes(data.view().begin(), data.view().end());
}

Status WriteSecretHexFile(const std::filesystem::path& path, const SecretBytes& secret) {
  static constexpr char kDigits[] = "0123456789abcdef";
  SecretBytes hex(secret.size() * 2);
  for (std::size_t i = 0; i < secret.size(); ++i) {
    hex.data()[2 * i] = static_cast<std::uint8_t>(kDigits[secret.data()[i] >> 4]);
    hex.data()[2 * i + 1] = static_cast<std::uint8_t>(kDigits[secret.data()[i] & 0x0f]);
  }
  return CreateFileAtomic(path, hex.view(), 0600);
}

Status WriteHexFile(const std::filesystem::path& path, ByteView data) {
  return CreateFileAtomic(path, AsBytes(HexEncode(data)), 0644);
}

}  // namespace vigil::crypto
