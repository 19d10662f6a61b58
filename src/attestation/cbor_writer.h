// A CBOR (RFC 8949) encoder for the few shapes an attestation document and COSE_Sign1 need:
// unsigned and negative integers, byte and text strings, arrays, maps, tags and null, each
// with the shortest head (deterministic encoding, RFC 8949 section 4.2.1). The caller writes
// map keys in the order it wants them. Reading is document_reader's job (libcbor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"

namespace vigil::attestation {

class CborWriter {
 public:
  void Unsigned(std::uint64_t value) { Head(0, value); }
  // A negative integer: `value` must be below zero.
  void Negative(std::int64_t value);
  void ByteString(ByteView bytes);
  void Text(std::string_view text);
  void ArrayHeader(std::size_t count) { Head(4, count); }
  void MapHeader(std::size_t count) { Head(5, count); }
  void Tag(std::uint64_t tag) { Head(6, tag); }
  void Null() { out_.push_back(0xf6); }
  // Major type 7, simple values 20 (false) and 21 (true).
  void Bool(bool value) { out_.push_back(static_cast<std::uint8_t>(0xe0 | (value ? 21 : 20))); }

  const Bytes& bytes() const { return out_; }
  Bytes Take() { return std::move(out_); }

 private:
  void Head(std::uint8_t major, std::uint64_t value);
  Bytes out_;
};

}  // namespace vigil::attestation
