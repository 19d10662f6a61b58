// Shamir secret sharing over GF(2^8), byte-compatible with QuorumOS (qos_crypto::shamir).
//
// Field: GF(2^8) with reduction polynomial x^8 + x^4 + x^3 + x + 1 (0x11B). Each secret byte is
// the constant term of its own random polynomial of degree threshold - 1. A share is one byte x
// (1..255, public) followed by one y byte per secret byte; the secret is the byte-wise Lagrange
// interpolation of the shares at x = 0. Arithmetic on secret bytes has no secret-dependent
// branches or table lookups. Format: docs/SPEC-qos-shamir-json.md.
#pragma once

#include <cstddef>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto::shamir {

// Bounds on the inputs (the field has 255 non-zero x coordinates).
inline constexpr std::size_t kMinThreshold = 2;
inline constexpr std::size_t kMaxShares = 255;
inline constexpr std::size_t kMaxSecretSize = 64 * 1024;

// Splits `secret` into `shares` shares, any `threshold` of which reconstruct it. Share i
// (0-based) has x = i + 1, as in qos. Requires 2 <= threshold <= shares <= 255 and
// 1 <= secret.size() <= kMaxSecretSize (BadInput otherwise); fails with MissingEnv only if the
// CSPRNG cannot be seeded.
Result<std::vector<SecretBytes>> Split(ByteView secret, std::size_t threshold, std::size_t shares);

// Reconstructs the secret from `shares`, interpolating through all of them. Requires at least
// 2 shares, all of the same length (2..kMaxSecretSize + 1), x != 0 and no x twice (BadInput
// otherwise, naming the share). Shares from different splits, or fewer than the threshold,
// give a wrong secret: Shamir shares carry no integrity check.
Result<SecretBytes> Reconstruct(const std::vector<ByteView>& shares);

}  // namespace vigil::crypto::shamir
