// Ed25519 (RFC 8032, pure, no context) through OpenSSL 3's EVP interface. A private key is
// its 32-byte seed, kept in SecretBytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

using Ed25519PublicKeyBytes = std::array<std::uint8_t, kEd25519PublicKeySize>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureSize>;

// A fresh random 32-byte private seed (store it 0600; never print it). Fails only if the
// random number generator cannot be seeded.
Result<SecretBytes> Ed25519GenerateSeed();

// The 32-byte public key of a seed. BadInput unless the seed is 32 bytes.
Result<Ed25519PublicKeyBytes> Ed25519PublicKey(const SecretBytes& seed);

// Signs `message` with the seed's key (deterministic, RFC 8032). BadInput unless the seed is
// 32 bytes.
Result<Ed25519Signature> Ed25519Sign(const SecretBytes& seed, ByteView message);

// True if `signature` is a valid Ed25519 signature of `message` by `public_key`. False on
// any malformed input (a key that is not 32 bytes or not a curve point, a signature that is
// not 64 bytes or has S >= L) as well as on a signature that does not verify.
bool Ed25519Verify(ByteView public_key, ByteView message, ByteView signature);

}  // namespace vigil::crypto
