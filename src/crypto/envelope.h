// The two qos encryption envelopes (tkhq/qos crate qos_p256), byte-compatible with qos:
//
//  - to a public key ("P256 HPKE" of qos, not RFC 9180): ECDH with a fresh P-256 key, key =
//    HMAC-SHA512(eph_point || recv_point || shared_x, "qos_encryption_hmac_message")[0..32],
//    AES-256-GCM with AAD eph_point || 0x41 || recv_point || 0x41. Wire form:
//    nonce(12) || eph_point(65) || u32 LE length || ciphertext || tag(16)
//  - symmetric, with a pair's derived AES key: AES-256-GCM with AAD
//    "qos_aes_gcm_256_hmac_sha512". Wire form: nonce(12) || u32 LE length || ciphertext || tag
//
// The length field counts ciphertext || tag. See docs/SPEC-qos-p256.md.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/p256.h"
#include "crypto/secret.h"

namespace vigil::crypto::qos {

inline constexpr std::size_t kNonceSize = 12;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kLengthSize = 4;
// Envelopes above this are refused on both sides (the largest qos payloads are kilobytes).
inline constexpr std::size_t kMaxPlaintextSize = std::size_t{64} << 20;
inline constexpr std::size_t kEnvelopeOverhead = kNonceSize + kPointSize + kLengthSize + kTagSize;
inline constexpr std::size_t kSymmetricEnvelopeOverhead = kNonceSize + kLengthSize + kTagSize;

// Encrypts `plaintext` (at most kMaxPlaintextSize) to the encryption key of `to`, with a
// fresh ephemeral key and a random nonce.
Result<Bytes> Encrypt(const P256Public& to, ByteView plaintext);

// Decrypts an envelope made for `by`. Strict: the length field must match the bytes that
// follow exactly and the ephemeral point must be on the curve (BadInput otherwise); a tag
// that does not verify (wrong key or modified envelope) is Failed. No partial plaintext is
// ever returned.
Result<SecretBytes> Decrypt(const P256Pair& by, ByteView envelope);

// Encrypts `plaintext` (at most kMaxPlaintextSize) with the AES key of `key`.
Result<Bytes> EncryptSymmetric(const P256Pair& key, ByteView plaintext);

// Decrypts a symmetric envelope made with the AES key of `key`; errors as for Decrypt.
Result<SecretBytes> DecryptSymmetric(const P256Pair& key, ByteView envelope);

}  // namespace vigil::crypto::qos
