#include "gateway/clearsigned.h"

#include <array>
#include <vector>

#include "base/base64.h"

namespace vigil::gateway {
namespace {

constexpr std::string_view kBeginMessage = "-----BEGIN PGP SIGNED MESSAGE-----";
constexpr std::string_view kBeginSignature = "-----BEGIN PGP SIGNATURE-----";
constexpr std::string_view kEndSignature = "-----END PGP SIGNATURE-----";

std::vector<std::string> NormalizedLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

bool IsCommandCharacter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' ||
         c == '.' || c == '_' || c == ':' || c == '+' || c == '-' || c == '/';
}

Status CheckLine(const std::string& line) {
  if (line.empty() || line.size() > kMaxCommandLine) {
    return Error::BadInput("the command must be one line of 1-" + std::to_string(kMaxCommandLine) +
                           " bytes");
  }
  for (char c : line) {
    if (!IsCommandCharacter(c)) {
      return Error::BadInput("the command may hold only A-Z a-z 0-9 space . _ : + - /");
    }
  }
  if (line.front() == '-' || line.front() == ' ' || line.find("  ") != std::string::npos) {
    return Error::BadInput("the command must start with a word and separate words by one space");
  }
  return OkStatus();
}

// RFC 4880 6.1: the CRC-24 of the armor's checksum line.
std::uint32_t Crc24(const Bytes& bytes) {
  std::uint32_t crc = 0xB704CE;
  for (std::uint8_t byte : bytes) {
    crc ^= static_cast<std::uint32_t>(byte) << 16;
    for (int i = 0; i < 8; ++i) {
      crc <<= 1;
      if ((crc & 0x1000000) != 0) crc ^= 0x1864CFB;
    }
  }
  return crc & 0xFFFFFF;
}

// The hash algorithm id (RFC 4880 9.4) an armor header names; 0 for any other.
int HashAlgorithm(const std::string& header) {
  if (header == "Hash: SHA256") return 8;
  if (header == "Hash: SHA384") return 9;
  if (header == "Hash: SHA512") return 10;
  return 0;
}

// One signature packet, v4, over canonical text, made with `hash`.
Status CheckSignaturePacket(const Bytes& packet, int hash) {
  if (packet.size() < 2 || (packet[0] & 0x80) == 0) {
    return Error::BadInput("the signature is not an OpenPGP packet");
  }
  std::size_t tag = 0, length = 0, at = 1;
  if ((packet[0] & 0x40) != 0) {  // new format
    tag = packet[0] & 0x3F;
    const std::uint8_t first = packet[at++];
    if (first < 192) {
      length = first;
    } else if (first < 224 && at < packet.size()) {
      length = ((first - 192u) << 8) + packet[at++] + 192u;
    } else if (first == 255 && at + 4 <= packet.size()) {
      length = (std::size_t{packet[at]} << 24) | (std::size_t{packet[at + 1]} << 16) |
               (std::size_t{packet[at + 2]} << 8) | packet[at + 3];
      at += 4;
    } else {
      return Error::BadInput("the signature packet has a partial or bad length");
    }
  } else {  // old format
    tag = (packet[0] >> 2) & 0x0F;
    const int type = packet[0] & 0x03;
    const std::size_t octets = type == 0 ? 1 : type == 1 ? 2 : type == 2 ? 4 : 0;
    if (octets == 0 || at + octets > packet.size()) {
      return Error::BadInput("the signature packet has an indeterminate length");
    }
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | packet[at++];
  }
  if (tag != 2)
    return Error::BadInput("the signature block holds a packet that is not a signature");
  if (at + length != packet.size()) {
    return Error::BadInput("the signature block must hold exactly one signature packet");
  }
  if (length < 4 || packet[at] != 4) return Error::BadInput("the signature must be OpenPGP v4");
  if (packet[at + 1] != 0x01) {
    return Error::BadInput("the signature must be a clear-signature (canonical text, type 0x01)");
  }
  if (packet[at + 3] != hash) {
    return Error::BadInput("the signature's hash algorithm is not the one the armor names");
  }
  return OkStatus();
}

// The base64 body and checksum of the armored signature lines (after the blank line).
Result<Bytes> DecodeArmor(const std::vector<std::string>& body) {
  std::string base64;
  std::optional<std::string> checksum;
  for (const std::string& line : body) {
    if (checksum) return Error::BadInput("text after the armor's checksum line");
    if (!line.empty() && line.front() == '=') {
      checksum = line.substr(1);
    } else {
      base64 += line;
    }
  }
  Result<Bytes> packet = Base64Decode(base64);
  if (!packet.ok() || packet->empty()) return Error::BadInput("the signature is not base64");
  if (checksum) {
    Result<Bytes> crc = Base64Decode(*checksum);
    if (!crc.ok() || crc->size() != 3 ||
        ((std::uint32_t{(*crc)[0]} << 16) | (std::uint32_t{(*crc)[1]} << 8) | (*crc)[2]) !=
            Crc24(*packet)) {
      return Error::BadInput("the armor's checksum does not match the signature");
    }
  }
  return packet;
}

}  // namespace

Result<ClearSigned> ParseClearSigned(std::string_view text) {
  if (text.size() > kMaxSignedCommand) {
    return Error::BadInput("a signed command is at most " + std::to_string(kMaxSignedCommand) +
                           " bytes");
  }
  const std::vector<std::string> lines = NormalizedLines(text);
  if (lines.size() < 8 || lines[0] != kBeginMessage) {
    return Error::BadInput("not a clear-signed message: it must start with " +
                           std::string(kBeginMessage));
  }
  const int hash = HashAlgorithm(lines[1]);
  if (hash == 0) return Error::BadInput("the armor must name one hash: SHA256, SHA384 or SHA512");
  if (!lines[2].empty()) return Error::BadInput("one armor header (Hash:) and a blank line");
  ClearSigned signed_command;
  signed_command.line = lines[3];
  VIGIL_RETURN_IF_ERROR(CheckLine(signed_command.line));
  if (lines[4] != kBeginSignature) {
    return Error::BadInput("the message must be one line, followed by " +
                           std::string(kBeginSignature));
  }
  if (!lines[5].empty()) return Error::BadInput("the signature must have no armor headers");
  if (lines.back() != kEndSignature) {
    return Error::BadInput("the message must end with " + std::string(kEndSignature));
  }
  const std::vector<std::string> body(lines.begin() + 6, lines.end() - 1);
  VIGIL_ASSIGN_OR_RETURN(Bytes packet, DecodeArmor(body));
  VIGIL_RETURN_IF_ERROR(CheckSignaturePacket(packet, hash));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    signed_command.normalized += lines[i] + "\n";
    if (i >= 4) signed_command.signature += lines[i] + "\n";
  }
  return signed_command;
}

}  // namespace vigil::gateway
