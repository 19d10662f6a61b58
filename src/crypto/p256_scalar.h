// Constant-time arithmetic on P-256 scalars (big-endian 32-byte integers modulo the group
// order n), for signing with our own RFC 6979 nonces: range checks, the fixed-length nonce
// that hides k's bit length, and k^-1 mod n. Internal to crypto/ (used by p256.cc).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "crypto/p256.h"

namespace vigil::crypto::qos {

using Scalar = std::array<std::uint8_t, kScalarSize>;  // big-endian, as on the wire

// The group order n and the field prime p of P-256, big-endian.
inline constexpr Scalar kOrderBytes = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
inline constexpr Scalar kFieldBytes = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// 1 if a < b (32-byte big-endian), else 0, in time independent of the values.
unsigned LessThanCt(ByteView a, ByteView b);
// 1 if a is all zero bytes, else 0, in time independent of the value.
unsigned IsZeroCt(ByteView a);
// True for a valid private scalar or nonce: 1 <= d < n (constant time).
bool IsValidScalar(ByteView d);

// x mod n for x < 2^256 (< 2n): one subtraction when x >= n. For public values (the
// message digest's bits2octets); it branches on x.
void ReduceOnceModN(Scalar& x);

// k + n or k + 2n, whichever has exactly 257 bits, as 33 big-endian bytes (see the .cc).
using PaddedNonce = std::array<std::uint8_t, kScalarSize + 1>;
PaddedNonce FixedLengthNonce(const Scalar& k);

// out = k^-1 mod n for 1 <= k < n, big-endian, in time independent of k. False if the
// result fails its check k * out = 1 (mod n), which would mean a bug: signing then fails.
bool InvertModN(ByteView k, std::uint8_t* out);

}  // namespace vigil::crypto::qos
