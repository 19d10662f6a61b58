// SHA-256 and SHA-384 through OpenSSL 3's EVP interface, one-shot and incremental.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::crypto {

enum class HashAlgorithm { kSha256, kSha384 };

using Sha256Digest = std::array<std::uint8_t, 32>;
using Sha384Digest = std::array<std::uint8_t, 48>;
using Sha512Digest = std::array<std::uint8_t, 64>;

Sha256Digest Sha256(ByteView data);
Sha384Digest Sha384(ByteView data);
// QuorumOS hashes shares and the quorum key's seed with SHA-512.
Sha512Digest Sha512(ByteView data);

// True for a SHA-256 digest written as exactly 64 lowercase hex digits, the one form in which
// digests travel between specs, SHA256SUMS, the ledger and provenance (no uppercase, no
// prefix such as "sha256:", no whitespace).
bool IsSha256Hex(std::string_view text);

// Reads a digest in that form (BadInput naming `what` otherwise) and writes one back.
Result<Sha256Digest> ParseSha256Hex(std::string_view text, std::string_view what = "a SHA-256");
std::string Sha256Hex(const Sha256Digest& digest);

// An incremental hash. Copying it forks the running state, so a common prefix is hashed
// once (the EIF PCRs share kernel and cmdline).
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  Hasher(const Hasher& other);
  Hasher& operator=(const Hasher& other);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  void Update(ByteView data);
  // Returns the digest; the hasher must not be updated afterwards.
  Bytes Finish();
  std::size_t digest_size() const;

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace vigil::crypto
