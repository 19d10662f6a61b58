#include "attestation/cbor_writer.h"

namespace vigil::attestation {

void CborWriter::Head(std::uint8_t major, std::uint64_t value) {
  const auto type = static_cast<std::uint8_t>(major << 5);
  int bytes = 0;
  if (value < 24) {
    out_.push_back(static_cast<std::uint8_t>(type | value));
    return;
  }
  if (value <= 0xff) {
    out_.push_back(type | 24);
    bytes = 1;
  } else if (value <= 0xffff) {
    out_.push_back(type | 25);
    bytes = 2;
  } else if (value <= 0xffffffffu) {
    out_.push_back(type | 26);
    bytes = 4;
  } else {
    out_.push_back(type | 27);
    bytes = 8;
  }
  for (int i = bytes - 1; i >= 0; --i) {
    out_.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
  }
}

void CborWriter::Negative(std::int64_t value) {
  // CBOR stores -1 - n as n.
  Head(1, static_cast<std::uint64_t>(-(value + 1)));
}

void CborWriter::ByteString(ByteView bytes) {
  Head(2, bytes.size());
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

void CborWriter::Text(std::string_view text) {
  Head(3, text.size());
  const ByteView bytes = AsBytes(text);
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

}  // namespace vigil::attestation
