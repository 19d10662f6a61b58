#include "crypto/p256_scalar.h"

#include "crypto/secret.h"

namespace vigil::crypto::qos {

// ---- constant-time helpers on big-endian 32-byte integers ----

// 1 if a < b, else 0, in time independent of the values.
unsigned LessThanCt(ByteView a, ByteView b) {
  unsigned borrow = 0;
  for (std::size_t i = kScalarSize; i-- > 0;) {
    borrow = (static_cast<unsigned>(a[i]) - b[i] - borrow) >> 8 & 1u;
  }
  return borrow;
}

unsigned IsZeroCt(ByteView a) {
  unsigned acc = 0;
  for (std::uint8_t byte : a) acc |= byte;
  return (acc - 1u) >> 8 & 1u;
}

// True for a valid private scalar or nonce: 1 <= d < n.
bool IsValidScalar(ByteView d) { return (LessThanCt(d, kOrderBytes) & (IsZeroCt(d) ^ 1u)) != 0; }

// k + n or k + 2n, whichever has exactly 257 bits, as 33 big-endian bytes whose top byte is
// always 1. (k + c*n)G = kG, and a scalar of fixed length keeps BN_bin2bn (which skips
// leading zero bytes) and the scalar multiplication from leaking the length of k, the
// Minerva class of nonce leaks; OpenSSL 1.1.0 padded its own nonces the same way.
PaddedNonce FixedLengthNonce(const Scalar& k) {
  PaddedNonce once{};   // k + n
  PaddedNonce twice{};  // k + 2n
  unsigned carry = 0;
  for (std::size_t i = kScalarSize; i-- > 0;) {
    unsigned sum = k[i] + kOrderBytes[i] + carry;
    once[i + 1] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  once[0] = static_cast<std::uint8_t>(carry);
  carry = 0;
  for (std::size_t i = kScalarSize; i-- > 0;) {
    unsigned sum = once[i + 1] + kOrderBytes[i] + carry;
    twice[i + 1] = static_cast<std::uint8_t>(sum);
    carry = sum >> 8;
  }
  twice[0] = static_cast<std::uint8_t>(once[0] + carry);
  // k + n has 257 bits exactly when its top byte is 1; otherwise k + 2n does. Branch-free.
  const auto use_once = static_cast<std::uint8_t>(0u - (once[0] & 1u));
  PaddedNonce out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((once[i] & use_once) | (twice[i] & ~use_once));
  }
  Wipe(once);
  Wipe(twice);
  return out;
}

namespace {

// ---- scalar arithmetic modulo n ----
//
// OpenSSL computes k^-1 mod n with a fast constant-time routine it does not export; its
// exported constant-time choices (BN_mod_inverse with BN_FLG_CONSTTIME, or
// BN_mod_exp_mont_consttime) cost 12 us, two thirds of a whole OpenSSL signature. So k^-1 is
// computed here with Bernstein-Yang "safegcd" divsteps (as libsecp256k1 does), in time
// independent of k (3 us), and checked with a Montgomery multiplication.

__extension__ typedef unsigned __int128 U128;  // NOLINT: GCC/Clang extension
__extension__ typedef __int128 I128;           // NOLINT: GCC/Clang extension
using Limbs = std::array<std::uint64_t, 4>;    // little-endian limbs

constexpr Limbs kN = {0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff,
                      0xffffffff00000000};

// out = a - b; returns the borrow (0 or 1).
constexpr std::uint64_t SubLimbs(Limbs& out, const Limbs& a, const Limbs& b) {
  std::uint64_t borrow = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    U128 diff = static_cast<U128>(a[i]) - b[i] - borrow;
    out[i] = static_cast<std::uint64_t>(diff);
    borrow = static_cast<std::uint64_t>(diff >> 64) & 1;
  }
  return borrow;
}

// -n^-1 mod 2^64 by Newton's iteration (each step doubles the correct bits).
constexpr std::uint64_t kN0 = [] {
  std::uint64_t inv = 1;
  for (int i = 0; i < 6; ++i) inv *= 2 - kN[0] * inv;
  return ~inv + 1;
}();

// 2^k mod n (for k = 512: R^2, which brings a value into Montgomery form).
constexpr Limbs PowerOfTwoModN(int k) {
  Limbs x = {1, 0, 0, 0};
  for (int i = 0; i < k; ++i) {
    std::uint64_t carry = x[3] >> 63;
    for (std::size_t j = 4; j-- > 1;) x[j] = x[j] << 1 | x[j - 1] >> 63;
    x[0] <<= 1;
    Limbs reduced{};
    std::uint64_t borrow = SubLimbs(reduced, x, kN);
    if ((carry | (borrow ^ 1)) != 0) x = reduced;
  }
  return x;
}
constexpr Limbs kR2 = PowerOfTwoModN(512);
static_assert(kN0 * kN[0] == ~std::uint64_t{0}, "n0 must be -n^-1 mod 2^64");

// a * b / 2^256 mod n for a, b < n (CIOS Montgomery multiplication); used to check k^-1.
Limbs MontMul(const Limbs& a, const Limbs& b) {
  std::uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    // t += a * b[i]
    U128 acc = static_cast<U128>(a[0]) * b[i] + t0;
    t0 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(a[1]) * b[i] + t1 + static_cast<std::uint64_t>(acc >> 64);
    t1 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(a[2]) * b[i] + t2 + static_cast<std::uint64_t>(acc >> 64);
    t2 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(a[3]) * b[i] + t3 + static_cast<std::uint64_t>(acc >> 64);
    t3 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(t4) + static_cast<std::uint64_t>(acc >> 64);
    t4 = static_cast<std::uint64_t>(acc);
    std::uint64_t t5 = static_cast<std::uint64_t>(acc >> 64);
    // t = (t + m * n) / 2^64, with m chosen so that the low limb becomes zero
    std::uint64_t m = t0 * kN0;
    acc = static_cast<U128>(m) * kN[0] + t0;
    acc = static_cast<U128>(m) * kN[1] + t1 + static_cast<std::uint64_t>(acc >> 64);
    t0 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(m) * kN[2] + t2 + static_cast<std::uint64_t>(acc >> 64);
    t1 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(m) * kN[3] + t3 + static_cast<std::uint64_t>(acc >> 64);
    t2 = static_cast<std::uint64_t>(acc);
    acc = static_cast<U128>(t4) + static_cast<std::uint64_t>(acc >> 64);
    t3 = static_cast<std::uint64_t>(acc);
    t4 = t5 + static_cast<std::uint64_t>(acc >> 64);
  }
  // The result is below 2n: subtract n once, selected by mask rather than by branch.
  Limbs r = {t0, t1, t2, t3};
  Limbs reduced{};
  std::uint64_t borrow = SubLimbs(reduced, r, kN);
  std::uint64_t mask = 0 - (t4 | (borrow ^ 1));
  for (std::size_t j = 0; j < 4; ++j) r[j] = (reduced[j] & mask) | (r[j] & ~mask);
  return r;
}

Limbs LimbsFromBytes(ByteView be) {
  Limbs out{};
  for (std::size_t i = 0; i < kScalarSize; ++i) {
    out[(kScalarSize - 1 - i) / 8] |= static_cast<std::uint64_t>(be[i]) << (8 * ((31 - i) % 8));
  }
  return out;
}

void LimbsToBytes(const Limbs& limbs, std::uint8_t* be) {
  for (std::size_t i = 0; i < kScalarSize; ++i) {
    be[i] = static_cast<std::uint8_t>(limbs[(kScalarSize - 1 - i) / 8] >> (8 * ((31 - i) % 8)));
  }
}

void WipeLimbs(Limbs& limbs) { Wipe({reinterpret_cast<std::uint8_t*>(limbs.data()), 32}); }

constexpr std::uint64_t kMask62 = (std::uint64_t{1} << 62) - 1;
using Signed62 = std::array<std::int64_t, 5>;  // limbs 0..3 in [0, 2^62), limb 4 signed

constexpr Signed62 ToSigned62(const Limbs& x) {
  return {static_cast<std::int64_t>(x[0] & kMask62),
          static_cast<std::int64_t>((x[0] >> 62 | x[1] << 2) & kMask62),
          static_cast<std::int64_t>((x[1] >> 60 | x[2] << 4) & kMask62),
          static_cast<std::int64_t>((x[2] >> 58 | x[3] << 6) & kMask62),
          static_cast<std::int64_t>(x[3] >> 56)};
}
// x must be canonical and in [0, 2^256).
constexpr Limbs FromSigned62(const Signed62& x) {
  auto l = [&](int i) { return static_cast<std::uint64_t>(x[i]); };
  return {l(0) | l(1) << 62, l(1) >> 2 | l(2) << 60, l(2) >> 4 | l(3) << 58,
          l(3) >> 6 | l(4) << 56};
}
constexpr Signed62 kN62 = ToSigned62(kN);
// n^-1 mod 2^62.
constexpr std::uint64_t kNInv62 = [] {
  std::uint64_t inv = 1;
  for (int i = 0; i < 6; ++i) inv *= 2 - kN[0] * inv;
  return inv & kMask62;
}();
static_assert(((kNInv62 * kN[0]) & kMask62) == 1, "kNInv62 must be n^-1 mod 2^62");

struct Transition {  // the 2x2 matrix of 62 divsteps, scaled by 2^62
  std::int64_t u, v, q, r;
};

// 62 divsteps (delta form) on the low 64 bits of f (odd) and g, without branches on data.
std::int64_t Divsteps62(std::int64_t delta, std::uint64_t f, std::uint64_t g, Transition& t) {
  std::uint64_t u = 1, v = 0, q = 0, r = 1;
  for (int i = 0; i < 62; ++i) {
    std::uint64_t g_odd = 0 - (g & 1);
    std::uint64_t delta_positive = static_cast<std::uint64_t>((-delta) >> 63);
    std::uint64_t swap = g_odd & delta_positive;
    // If swap: delta = -delta, (f, g) = (g, -f), (u, v, q, r) = (q, r, -u, -v).
    delta = static_cast<std::int64_t>((static_cast<std::uint64_t>(delta) ^ swap) - swap);
    std::uint64_t x = (f ^ g) & swap;
    f ^= x;
    g ^= x;
    g = (g ^ swap) - swap;
    x = (u ^ q) & swap;
    u ^= x;
    q ^= x;
    q = (q ^ swap) - swap;
    x = (v ^ r) & swap;
    v ^= x;
    r ^= x;
    r = (r ^ swap) - swap;
    // If g is odd: g += f, (q, r) += (u, v). Then halve g and double (u, v).
    g += f & g_odd;
    q += u & g_odd;
    r += v & g_odd;
    delta += 1;
    g >>= 1;
    u <<= 1;
    v <<= 1;
  }
  t = {static_cast<std::int64_t>(u), static_cast<std::int64_t>(v), static_cast<std::int64_t>(q),
       static_cast<std::int64_t>(r)};
  return delta;
}

// (f, g) = t * (f, g) / 2^62 (exact).
void UpdateFg(Signed62& f, Signed62& g, const Transition& t) {
  I128 cf = static_cast<I128>(t.u) * f[0] + static_cast<I128>(t.v) * g[0];
  I128 cg = static_cast<I128>(t.q) * f[0] + static_cast<I128>(t.r) * g[0];
  cf >>= 62;
  cg >>= 62;
  for (std::size_t i = 1; i < 5; ++i) {
    cf += static_cast<I128>(t.u) * f[i] + static_cast<I128>(t.v) * g[i];
    cg += static_cast<I128>(t.q) * f[i] + static_cast<I128>(t.r) * g[i];
    f[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cf) & kMask62);
    g[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cg) & kMask62);
    cf >>= 62;
    cg >>= 62;
  }
  f[4] = static_cast<std::int64_t>(cf);
  g[4] = static_cast<std::int64_t>(cg);
}

// (d, e) = (t * (d, e) + n * (md, me)) / 2^62, with md, me chosen to make the division exact
// and to keep d, e in (-2n, n) (Bernstein-Yang; see libsecp256k1's safegcd notes).
void UpdateDe(Signed62& d, Signed62& e, const Transition& t) {
  std::uint64_t d_negative = static_cast<std::uint64_t>(d[4] >> 63);
  std::uint64_t e_negative = static_cast<std::uint64_t>(e[4] >> 63);
  std::uint64_t md = (static_cast<std::uint64_t>(t.u) & d_negative) +
                     (static_cast<std::uint64_t>(t.v) & e_negative);
  std::uint64_t me = (static_cast<std::uint64_t>(t.q) & d_negative) +
                     (static_cast<std::uint64_t>(t.r) & e_negative);
  std::uint64_t low_d = static_cast<std::uint64_t>(t.u) * static_cast<std::uint64_t>(d[0]) +
                        static_cast<std::uint64_t>(t.v) * static_cast<std::uint64_t>(e[0]);
  std::uint64_t low_e = static_cast<std::uint64_t>(t.q) * static_cast<std::uint64_t>(d[0]) +
                        static_cast<std::uint64_t>(t.r) * static_cast<std::uint64_t>(e[0]);
  md -= (kNInv62 * low_d + md) & kMask62;
  me -= (kNInv62 * low_e + me) & kMask62;
  std::int64_t smd = static_cast<std::int64_t>(md);
  std::int64_t sme = static_cast<std::int64_t>(me);
  I128 cd = static_cast<I128>(t.u) * d[0] + static_cast<I128>(t.v) * e[0] +
            static_cast<I128>(kN62[0]) * smd;
  I128 ce = static_cast<I128>(t.q) * d[0] + static_cast<I128>(t.r) * e[0] +
            static_cast<I128>(kN62[0]) * sme;
  cd >>= 62;
  ce >>= 62;
  for (std::size_t i = 1; i < 5; ++i) {
    cd += static_cast<I128>(t.u) * d[i] + static_cast<I128>(t.v) * e[i] +
          static_cast<I128>(kN62[i]) * smd;
    ce += static_cast<I128>(t.q) * d[i] + static_cast<I128>(t.r) * e[i] +
          static_cast<I128>(kN62[i]) * sme;
    d[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(cd) & kMask62);
    e[i - 1] = static_cast<std::int64_t>(static_cast<std::uint64_t>(ce) & kMask62);
    cd >>= 62;
    ce >>= 62;
  }
  d[4] = static_cast<std::int64_t>(cd);
  e[4] = static_cast<std::int64_t>(ce);
}

// x = x + (n & mask), then carries propagated so limbs 0..3 are in [0, 2^62).
void AddMaskedN(Signed62& x, std::uint64_t mask) {
  for (std::size_t i = 0; i < 5; ++i) {
    x[i] += static_cast<std::int64_t>(static_cast<std::uint64_t>(kN62[i]) & mask);
  }
  for (std::size_t i = 0; i < 4; ++i) {
    x[i + 1] += x[i] >> 62;
    x[i] &= static_cast<std::int64_t>(kMask62);
  }
}

void NegateMasked(Signed62& x, std::uint64_t mask) {
  for (std::size_t i = 0; i < 5; ++i) {
    x[i] = static_cast<std::int64_t>((static_cast<std::uint64_t>(x[i]) ^ mask) - mask);
  }
  for (std::size_t i = 0; i < 4; ++i) {
    x[i + 1] += x[i] >> 62;
    x[i] &= static_cast<std::int64_t>(kMask62);
  }
}

// a^-1 mod n for 1 <= a < n, in time independent of a: 12 x 62 = 744 divsteps, above the
// 741 that Bernstein and Yang prove enough for 256-bit inputs.
Limbs InvertModNCt(const Limbs& a) {
  Signed62 f = kN62;
  Signed62 g = ToSigned62(a);
  Signed62 d = {0, 0, 0, 0, 0};
  Signed62 e = {1, 0, 0, 0, 0};
  std::int64_t delta = 1;
  Transition t{};
  for (int round = 0; round < 12; ++round) {
    std::uint64_t f_low = static_cast<std::uint64_t>(f[0]) | static_cast<std::uint64_t>(f[1]) << 62;
    std::uint64_t g_low = static_cast<std::uint64_t>(g[0]) | static_cast<std::uint64_t>(g[1]) << 62;
    delta = Divsteps62(delta, f_low, g_low, t);
    UpdateFg(f, g, t);
    UpdateDe(d, e, t);
  }
  // Now g = 0, f = +-1 and d * f = a^-1 (mod n) with d in (-2n, n).
  AddMaskedN(d, static_cast<std::uint64_t>(d[4] >> 63));    // (-n, n)
  NegateMasked(d, static_cast<std::uint64_t>(f[4] >> 63));  // times f: (-n, n)
  AddMaskedN(d, static_cast<std::uint64_t>(d[4] >> 63));    // [0, n)
  Limbs out = FromSigned62(d);
  Wipe({reinterpret_cast<std::uint8_t*>(d.data()), sizeof(d)});
  Wipe({reinterpret_cast<std::uint8_t*>(e.data()), sizeof(e)});
  Wipe({reinterpret_cast<std::uint8_t*>(f.data()), sizeof(f)});
  Wipe({reinterpret_cast<std::uint8_t*>(g.data()), sizeof(g)});
  // The last transition matrix and delta are derived from the nonce too.
  Wipe({reinterpret_cast<std::uint8_t*>(&t), sizeof(t)});
  Wipe({reinterpret_cast<std::uint8_t*>(&delta), sizeof(delta)});
  return out;
}

}  // namespace

void ReduceOnceModN(Scalar& x) {
  if (LessThanCt(x, kOrderBytes)) return;
  Limbs limbs = LimbsFromBytes(x);
  SubLimbs(limbs, limbs, kN);
  LimbsToBytes(limbs, x.data());
}

// out = k^-1 mod n for 1 <= k < n, big-endian. False if the result fails the check
// k * out = 1 (mod n), which would mean a bug here: signing then fails rather than emit a
// wrong s.
bool InvertModN(ByteView k, std::uint8_t* out) {
  Limbs x = LimbsFromBytes(k);
  Limbs inverse = InvertModNCt(x);
  // MontMul(MontMul(x, inverse), R^2) = x * inverse (mod n).
  Limbs product = MontMul(MontMul(x, inverse), kR2);
  bool ok = ((product[0] ^ 1) | product[1] | product[2] | product[3]) == 0;
  LimbsToBytes(inverse, out);
  WipeLimbs(x);
  WipeLimbs(inverse);
  WipeLimbs(product);
  return ok;
}

}  // namespace vigil::crypto::qos
