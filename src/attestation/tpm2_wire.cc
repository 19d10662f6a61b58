#include "attestation/tpm2_wire.h"

#include <cstdio>

namespace vigil::attestation::tpm2 {

Writer& Writer::U8(std::uint8_t value) {
  bytes_.push_back(value);
  return *this;
}
Writer& Writer::U16(std::uint16_t value) {
  return U8(static_cast<std::uint8_t>(value >> 8)).U8(static_cast<std::uint8_t>(value));
}
Writer& Writer::U32(std::uint32_t value) {
  return U16(static_cast<std::uint16_t>(value >> 16)).U16(static_cast<std::uint16_t>(value));
}
Writer& Writer::Raw(ByteView bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return *this;
}
Writer& Writer::Sized(ByteView bytes) {
  return U16(static_cast<std::uint16_t>(bytes.size())).Raw(bytes);
}

ByteView Reader::Raw(std::size_t size) {
  if (!ok_ || left() < size) {
    ok_ = false;
    return {};
  }
  ByteView piece = data_.subspan(offset_, size);
  offset_ += size;
  return piece;
}
std::uint8_t Reader::U8() {
  ByteView b = Raw(1);
  return b.empty() ? 0 : b[0];
}
std::uint16_t Reader::U16() {
  const std::uint16_t high = U8();
  return static_cast<std::uint16_t>((high << 8) | U8());
}
std::uint32_t Reader::U32() {
  const std::uint32_t high = U16();
  return (high << 16) | U16();
}
std::uint64_t Reader::U64() {
  const std::uint64_t high = U32();
  return (high << 32) | U32();
}
ByteView Reader::Sized() { return Raw(U16()); }

Bytes Encode(const Command& command) {
  const bool sessions = !command.sessions.empty();
  Writer body;
  body.U32(command.code);
  for (std::uint32_t handle : command.handles) body.U32(handle);
  if (sessions) {
    Writer auth;
    for (std::uint32_t session : command.sessions) {
      auth.U32(session).U16(0).U8(0).U16(0);  // no nonce, attributes clear, empty hmac
    }
    body.U32(static_cast<std::uint32_t>(auth.bytes().size())).Raw(auth.bytes());
  }
  body.Raw(command.parameters);
  Writer out;
  out.U16(sessions ? kStSessions : kStNoSessions)
      .U32(static_cast<std::uint32_t>(body.bytes().size() + 6))
      .Raw(body.bytes());
  return out.bytes();
}

Result<Response> Decode(ByteView bytes, std::size_t handles, bool sessions) {
  if (bytes.size() > kMaxResponseBytes) return Error::BadInput("TPM response too large");
  Reader in(bytes);
  const std::uint16_t tag = in.U16();
  const std::uint32_t size = in.U32();
  Response response;
  response.code = in.U32();
  if (!in.ok() || size != bytes.size() || (tag != kStNoSessions && tag != kStSessions)) {
    return Error::BadInput("malformed TPM response header");
  }
  if (response.code != 0) {
    if (!in.done()) return Error::BadInput("a TPM error response with a body");
    return response;
  }
  for (std::size_t i = 0; i < handles; ++i) response.handles.push_back(in.U32());
  std::size_t parameters = in.left();
  if (tag == kStSessions) {
    parameters = in.U32();
    if (!sessions || parameters > in.left()) return Error::BadInput("bad TPM parameter size");
  }
  ByteView params = in.Raw(parameters);
  response.parameters.assign(params.begin(), params.end());
  // The session responses (nonce, attributes, HMAC each) are not used: passwords and
  // policy sessions without HMAC.
  if (!in.ok()) return Error::BadInput("TPM response cut short");
  return response;
}

std::string DescribeResponseCode(std::uint32_t code) {
  char text[96];
  if ((code & 0x80) != 0) {  // format one: an error about a parameter, handle or session
    const unsigned number = (code >> 8) & 0xf;
    const char* which = (code & 0x40) != 0 ? "parameter" : (number & 0x8) ? "session" : "handle";
    std::snprintf(text, sizeof text, "TPM_RC 0x%x (error 0x%x at %s %u)", code, code & 0x3f, which,
                  (code & 0x40) != 0 ? number : (number & 0x7));
  } else {
    std::snprintf(text, sizeof text, "TPM_RC 0x%x", code);
  }
  return text;
}

}  // namespace vigil::attestation::tpm2
