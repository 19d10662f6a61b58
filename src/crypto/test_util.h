// For tests: digests whose hex form is one repeated digit (0xaa.. is "aaaa...").
#pragma once

#include <cstdint>

#include "crypto/hash.h"

namespace vigil::crypto {

inline Sha256Digest FilledDigest(std::uint8_t byte) {
  Sha256Digest digest;
  digest.fill(byte);
  return digest;
}

}  // namespace vigil::crypto
