// Borsh (borsh.io), the binary encoding QuorumOS uses on the wire and for hashing V0/V1
// manifests: little-endian integers, u32-length-prefixed vectors and strings, one tag byte
// for Option (0/1), bool (0/1) and enum variants, fixed arrays raw. Spec:
// docs/SPEC-quorum.md.
//
// The reader is strict, so that one byte string has one meaning: a bool or Option tag other
// than 0 or 1, a string that is not UTF-8, a length beyond the bytes left or beyond the
// caller's bound, and (at Finish) any byte left over are BadInput naming the offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::quorum {

class BorshWriter {
 public:
  void U8(std::uint8_t value) { out_.push_back(value); }
  void Bool(bool value) { U8(value ? 1 : 0); }
  void U16(std::uint16_t value);
  void U32(std::uint32_t value);
  void U64(std::uint64_t value);
  // A [u8; N]: the bytes alone.
  void Fixed(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
  // A Vec<u8>: u32 length, then the bytes. BadInput beyond u32's range.
  Status Bytes(ByteView bytes);
  Status String(std::string_view text) { return Bytes(AsBytes(text)); }
  // The u32 element count in front of a Vec of anything.
  Status Length(std::size_t count);

  const vigil::Bytes& bytes() const { return out_; }
  vigil::Bytes Take() { return std::move(out_); }

 private:
  vigil::Bytes out_;
};

class BorshReader {
 public:
  // `what` names the document in errors ("a V1 manifest").
  BorshReader(ByteView data, std::string_view what) : data_(data), what_(what) {}

  Result<std::uint8_t> U8(std::string_view field);
  Result<bool> Bool(std::string_view field);
  Result<std::uint16_t> U16(std::string_view field);
  Result<std::uint32_t> U32(std::string_view field);
  Result<std::uint64_t> U64(std::string_view field);
  // An Option's tag: true for Some.
  Result<bool> OptionTag(std::string_view field);
  // A [u8; size].
  Result<vigil::Bytes> Fixed(std::size_t size, std::string_view field);
  // A Vec<u8> of at most `max_size` bytes.
  Result<vigil::Bytes> Bytes(std::size_t max_size, std::string_view field);
  // A String of at most `max_size` bytes of valid UTF-8.
  Result<std::string> String(std::size_t max_size, std::string_view field);
  // A Vec's element count, at most `max_count`.
  Result<std::size_t> Length(std::size_t max_count, std::string_view field);

  // OK only when every byte was read.
  Status Finish() const;
  std::size_t offset() const { return offset_; }
  std::size_t remaining() const { return data_.size() - offset_; }

 private:
  Error Bad(std::string_view field, std::string_view problem) const;
  Result<ByteView> Take(std::size_t size, std::string_view field);

  ByteView data_;
  std::string what_;
  std::size_t offset_ = 0;
};

}  // namespace vigil::quorum
