// Public keys of artifact signatures (Ed25519 and ECDSA P-256), as X.509
// SubjectPublicKeyInfo, and the signature conventions DSSE uses with them:
//   ed25519     the 64-byte RFC 8032 signature of the message itself
//   ecdsa-p256  a DER ECDSA-Sig-Value over SHA-256 of the message
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::crypto {

enum class KeyAlgorithm { kEd25519, kEcdsaP256 };

// "ed25519" or "ecdsa-p256".
std::string_view KeyAlgorithmName(KeyAlgorithm algorithm);
// BadInput for anything but those two names.
Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name);

class PublicKey {
 public:
  // From SubjectPublicKeyInfo DER or its PEM ("-----BEGIN PUBLIC KEY-----"). BadInput for
  // anything else, including other algorithms and curves and points not on the curve.
  static Result<PublicKey> FromDer(ByteView der);
  static Result<PublicKey> FromPem(std::string_view pem);
  // The PEM in the file `path` (at most 64 KiB); a key error names the file.
  static Result<PublicKey> FromPemFile(const std::filesystem::path& path);

  KeyAlgorithm algorithm() const { return algorithm_; }
  const Bytes& der() const { return der_; }
  std::string Pem() const;
  // Lowercase hex SHA-256 of the DER: the key id in envelopes and ledger records.
  const std::string& KeyId() const { return key_id_; }
  // OK only for a well-formed, valid signature of `message` under the convention above;
  // Failed naming the key otherwise.
  Status Verify(ByteView message, ByteView signature) const;

 private:
  PublicKey(KeyAlgorithm algorithm, Bytes der);
  KeyAlgorithm algorithm_;
  Bytes der_;
  std::string key_id_;  // derived from der_ once: it names the key in every request
};

// The SubjectPublicKeyInfo DER of a raw public key: 32 bytes for Ed25519, or an
// uncompressed SEC1 point (65 bytes, 0x04 || X || Y) for P-256. BadInput if malformed.
Result<Bytes> PublicKeyDerFromRaw(KeyAlgorithm algorithm, ByteView raw);

// Converts an ECDSA signature from raw r||s (64 bytes, as PKCS#11 returns it) to DER.
Result<Bytes> EcdsaRawToDer(ByteView raw);

}  // namespace vigil::crypto
