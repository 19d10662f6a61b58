// ECDSA over P-384 with SHA-384 ("ES384" in COSE, RFC 9053): what a Nitro attestation
// document is signed with. Signatures travel as raw r || s, 48 bytes each.
#pragma once

#include <cstddef>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kP384ScalarSize = 48;
inline constexpr std::size_t kEs384SignatureSize = 96;

// A P-384 signing key. Move-only; OpenSSL keeps the scalar and frees it wiped.
class Es384Signer {
 public:
  // From the 48-byte big-endian private scalar (BadInput unless 1 <= d < n).
  static Result<Es384Signer> FromScalar(const SecretBytes& scalar);
  Es384Signer(Es384Signer&&) noexcept;
  Es384Signer& operator=(Es384Signer&&) noexcept;
  ~Es384Signer();

  // r || s over SHA-384(message), with a fresh random nonce.
  Result<Bytes> Sign(ByteView message) const;
  // The uncompressed public point (97 bytes), to match against a certificate.
  Result<Bytes> PublicPoint() const;

  struct Impl;

 private:
  explicit Es384Signer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Verifies r || s over SHA-384(message) with the public key of the X.509 certificate
// `certificate_der`, which must be a P-384 key. BadInput for a malformed certificate or
// signature, Failed for a signature that does not verify.
Status Es384VerifyWithCertificate(ByteView certificate_der, ByteView message, ByteView signature);

}  // namespace vigil::crypto
