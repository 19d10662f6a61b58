// A named SHA-256 digest: a file of an image, a line of SHA256SUMS, an artifact a build
// declared, a subject of a signed statement. One type from the build to the index, so the
// digest is compared as bytes and written in one form (64 lowercase hex digits) wherever it
// travels.
#pragma once

#include <string>

#include "crypto/hash.h"

namespace vigil::crypto {

struct NamedDigest {
  std::string name;
  Sha256Digest sha256{};

  std::string hex() const { return Sha256Hex(sha256); }
  friend bool operator==(const NamedDigest&, const NamedDigest&) = default;
};

}  // namespace vigil::crypto
