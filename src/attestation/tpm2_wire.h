// TPM 2.0 commands and responses on the wire (TPM 2.0 Library, Part 1 section 18 and Part 3):
// big-endian integers, TPM2B sizes, a command header (tag, size, code), handles, an
// authorization area of password sessions, parameters. Only what vigil-enclave's tpm
// provider sends is built here; responses are read strictly (every size against what is
// left). Spec: docs/SPEC-tpm.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation::tpm2 {

inline constexpr std::uint16_t kStNoSessions = 0x8001;
inline constexpr std::uint16_t kStSessions = 0x8002;
inline constexpr std::uint32_t kRsPassword = 0x40000009;  // TPM_RS_PW
inline constexpr std::uint32_t kRhEndorsement = 0x4000000B;
inline constexpr std::uint32_t kRhOwner = 0x40000001;
inline constexpr std::uint16_t kAlgSha256 = 0x000B;
inline constexpr std::uint16_t kAlgNull = 0x0010;
inline constexpr std::size_t kMaxResponseBytes = 4096;

// Appends big-endian fields.
class Writer {
 public:
  Writer& U8(std::uint8_t value);
  Writer& U16(std::uint16_t value);
  Writer& U32(std::uint32_t value);
  Writer& Raw(ByteView bytes);
  // A TPM2B: a 16-bit size, then the bytes.
  Writer& Sized(ByteView bytes);
  const Bytes& bytes() const { return bytes_; }

 private:
  Bytes bytes_;
};

// Reads big-endian fields; a read past the end sets the failure and yields zeros.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  std::uint8_t U8();
  std::uint16_t U16();
  std::uint32_t U32();
  std::uint64_t U64();
  ByteView Raw(std::size_t size);
  ByteView Sized();  // a TPM2B's bytes
  bool ok() const { return ok_; }
  bool done() const { return ok_ && offset_ == data_.size(); }
  std::size_t left() const { return data_.size() - offset_; }

 private:
  ByteView data_;
  std::size_t offset_ = 0;
  bool ok_ = true;
};

struct Command {
  std::uint32_t code = 0;
  std::vector<std::uint32_t> handles;
  // The authorization of each handle that needs one, in handle order: kRsPassword (an
  // empty password) or a policy session's handle (no nonce, no HMAC, continueSession
  // clear). Empty: a command without sessions.
  std::vector<std::uint32_t> sessions;
  Bytes parameters;
};

Bytes Encode(const Command& command);

struct Response {
  std::uint32_t code = 0;  // TPM_RC; 0 is success
  std::vector<std::uint32_t> handles;
  Bytes parameters;
};

// `handles` is how many handles the command's response carries before its parameters.
// BadInput when the response is malformed or over kMaxResponseBytes; a TPM error code is
// returned in Response::code, not as an error.
Result<Response> Decode(ByteView response, std::size_t handles, bool sessions);

// "TPM_RC 0x%x" with the format-one fields named where that helps (parameter, handle).
std::string DescribeResponseCode(std::uint32_t code);

}  // namespace vigil::attestation::tpm2
