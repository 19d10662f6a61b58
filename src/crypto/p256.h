// QuorumOS-compatible P-256 keys (tkhq/qos crate qos_p256): a 32-byte master seed derives
// an encryption (ECDH) key, a signing (ECDSA) key and an AES-256-GCM key. Signatures are
// deterministic (RFC 6979) raw r || s over SHA-256. See docs/SPEC-qos-p256.md.
#pragma once

#include <cstddef>
#include <memory>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto::qos {

inline constexpr std::size_t kSeedSize = 32;        // master seed
inline constexpr std::size_t kScalarSize = 32;      // private scalar, coordinate, r, s
inline constexpr std::size_t kPointSize = 65;       // uncompressed SEC1: 0x04 || x || y
inline constexpr std::size_t kPublicKeySize = 130;  // encryption point || signing point
inline constexpr std::size_t kSignatureSize = 64;   // r || s, big-endian

// The sender's side of one ECDH agreement (see P256Public::AgreeEphemeral).
struct EphemeralAgreement {
  Bytes public_point;  // the fresh key's public point, 65 bytes
  SecretBytes shared;  // x-coordinate of the shared point, 32 bytes
};

// A qos public key: the encryption point and the signing point. Immutable and cheap to
// copy (copies share the parsed OpenSSL keys); safe to use from several threads.
class P256Public {
 public:
  // Parses the 130-byte form. Each point must be uncompressed, with coordinates below p,
  // on the curve (so not the point at infinity); BadInput names the point and the reason.
  static Result<P256Public> FromBytes(ByteView public_key);

  // The 130-byte form: encryption point || signing point.
  ByteView bytes() const;
  // The 65-byte encryption point (the receiver's point in an envelope).
  ByteView encryption_point() const;

  // Verifies an ECDSA P-256 / SHA-256 signature r || s over `message` with the signing
  // point. BadInput unless the signature is 64 bytes with r and s in [1, n-1]; Failed if
  // it does not verify. Accepts high-S signatures, as qos does.
  Status Verify(ByteView message, ByteView signature) const;

  // ECDH with a fresh random key against the encryption point: the sender's side of the
  // qos envelope.
  Result<EphemeralAgreement> AgreeEphemeral() const;

  struct Impl;  // defined in p256.cc

 private:
  explicit P256Public(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// A qos key pair derived from a master seed. Move-only; its secrets are wiped when it is
// destroyed. The const methods are safe to call from several threads.
class P256Pair {
 public:
  // Derives the keys from a 32-byte seed: HKDF-SHA512(salt = label, ikm = seed, info = "",
  // 32 bytes) with the labels "qos_p256_encrypt", "qos_p256_sign", "qos_aes_gcm_encrypt".
  // A derived scalar of 0 or >= n is rejected (BadInput), as qos rejects it; it is not
  // reduced.
  static Result<P256Pair> FromSeed(const SecretBytes& seed);
  // A pair from a fresh random seed (never all zeros, always one qos accepts).
  static Result<P256Pair> Generate();

  P256Pair(P256Pair&&) noexcept;
  P256Pair& operator=(P256Pair&&) noexcept;
  P256Pair(const P256Pair&) = delete;
  P256Pair& operator=(const P256Pair&) = delete;
  ~P256Pair();

  // The master seed (store it 0600; never print it).
  const SecretBytes& seed() const;
  // The 130-byte public key: encryption point || signing point.
  Bytes public_key() const;
  // The same public key as an object, for Verify and for encrypting to this pair.
  const P256Public& public_part() const;
  // The 32-byte AES-256-GCM key of the symmetric envelope.
  const SecretBytes& aes_key() const;

  // Signs `message`: ECDSA P-256 over SHA-256 with the RFC 6979 nonce (HMAC-SHA256), the
  // raw 64-byte r || s, without low-S normalisation. Deterministic, byte-identical to qos.
  Result<Bytes> Sign(ByteView message) const;

  // ECDH of the encryption key with `peer_point` (65 bytes, uncompressed): the shared
  // x-coordinate. BadInput if the point is malformed or not on the curve.
  Result<SecretBytes> Agree(ByteView peer_point) const;

  struct Impl;  // defined in p256.cc

 private:
  explicit P256Pair(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What P256Pair::Sign does, under a raw 32-byte private scalar instead of one derived from
// a qos seed (BadInput when it is 0 or >= n). RFC 6979's own known answers (A.2.5) are given
// for such scalars.
Result<Bytes> SignWithScalar(const SecretBytes& scalar, ByteView message);

}  // namespace vigil::crypto::qos
