// A small strict CBOR (RFC 8949) reader for the NSM's answers inside the enclave, which is
// static and so cannot link libcbor (Debian ships it shared only). It reads the shapes the
// NSM API uses (unsigned integers, byte and text strings, arrays, maps, booleans, null) and
// refuses anything else, indefinite lengths, more than 16 levels, counts beyond the bytes
// left, and trailing bytes. Relying parties verify documents with libcbor
// (document_reader.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

struct CborValue {
  enum class Kind { kUnsigned, kBytes, kText, kArray, kMap, kBool, kNull };
  Kind kind = Kind::kNull;
  std::uint64_t number = 0;      // kUnsigned; kBool as 0/1
  Bytes bytes;                   // kBytes, kText (UTF-8 not checked beyond the bounds)
  std::vector<CborValue> items;  // kArray
  // kMap: keys[i] maps to values[i], in the order read. (Two vectors, not pairs: a pair of
  // an incomplete type is not allowed where vector of one is.)
  std::vector<CborValue> keys, values;

  std::string text() const { return std::string(AsText(bytes)); }
  // The value of the text key `key` in a map, if present.
  const CborValue* Find(std::string_view key) const;
};

Result<CborValue> ReadCbor(ByteView data);

}  // namespace vigil::attestation
