// OpenSSL 3.0 has no deterministic ECDSA, and its EVP signing path draws the nonce itself.
// To reproduce qos's RFC 6979 signatures we compute k, r = x(kG) and k^-1 here and hand
// them to ECDSA_do_sign_ex, which needs an EC_KEY: a deprecated 3.0 API. EC_KEY is also
// the fastest verification path (no DER, no EVP dispatch). The deprecation warnings are
// silenced for this file only; no other file may use these APIs.
#define OPENSSL_SUPPRESS_DEPRECATED

#include "crypto/p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace vigil::crypto::qos {
namespace {

using Scalar = std::array<std::uint8_t, kScalarSize>;      // big-endian, as on the wire
constexpr int kScalarInt = static_cast<int>(kScalarSize);  // for OpenSSL's int lengths

// The group order n and the field prime p of P-256, big-endian.
constexpr Scalar kOrderBytes = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
                                0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
constexpr Scalar kFieldBytes = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

constexpr std::string_view kEncryptLabel = "qos_p256_encrypt";
constexpr std::string_view kSignLabel = "qos_p256_sign";
constexpr std::string_view kAesLabel = "qos_aes_gcm_encrypt";

// ---- OpenSSL ownership ----

template <typename T, auto Free>
using Owned = OpenSslPtr<T, Free>;
using BnPtr = Owned<BIGNUM, BN_clear_free>;
using BnCtxPtr = Owned<BN_CTX, BN_CTX_free>;
using PointPtr = Owned<EC_POINT, EC_POINT_clear_free>;
using KeyPtr = Owned<EC_KEY, EC_KEY_free>;
using SigPtr = Owned<ECDSA_SIG, ECDSA_SIG_free>;
using MacCtxPtr = Owned<EVP_MAC_CTX, EVP_MAC_CTX_free>;

// Process-wide, immutable after construction, shared read-only by every thread.
struct Curve {
  EC_GROUP* group = nullptr;
  const BIGNUM* order = nullptr;
  // HMAC-SHA256 keyed with zeros; duplicated per signature (fetching the digest per call
  // costs more than the MAC itself).
  EVP_MAC_CTX* hmac_sha256 = nullptr;
  bool ok() const { return group != nullptr && order != nullptr && hmac_sha256 != nullptr; }
};

const Curve& GetCurve() {
  static const Curve curve = [] {
    Curve c;
    c.group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    if (c.group != nullptr) c.order = EC_GROUP_get0_order(c.group);
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac != nullptr) {
      c.hmac_sha256 = EVP_MAC_CTX_new(mac);
      EVP_MAC_free(mac);  // the context keeps its own reference
      char digest[] = "SHA256";
      OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                             OSSL_PARAM_construct_end()};
      const std::uint8_t zeros[kScalarSize] = {};
      if (c.hmac_sha256 != nullptr &&
          EVP_MAC_init(c.hmac_sha256, zeros, sizeof(zeros), params) != 1) {
        EVP_MAC_CTX_free(c.hmac_sha256);
        c.hmac_sha256 = nullptr;
      }
    }
    ERR_clear_error();
    return c;
  }();
  return curve;
}

Status CheckCurve() {
  if (!GetCurve().ok()) {
    ERR_clear_error();
    return Error::MissingEnv("OpenSSL cannot provide P-256 and HMAC-SHA256 (default provider?)");
  }
  return OkStatus();
}

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
using PaddedNonce = std::array<std::uint8_t, kScalarSize + 1>;
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

// ---- RFC 6979 nonces (HMAC-DRBG with SHA-256, qlen = hlen = 256) ----

class NonceGenerator {
 public:
  // `x` is the private scalar, `h` the message digest reduced mod n (bits2octets).
  NonceGenerator(EVP_MAC_CTX* mac, ByteView x, ByteView h) : mac_(mac) {
    v_.fill(0x01);
    k_.fill(0x00);
    const std::uint8_t zero = 0x00;
    const std::uint8_t one = 0x01;
    ok_ = Mac(k_, {v_, ByteView(&zero, 1), x, h}) && Mac(v_, {v_}) &&
          Mac(k_, {v_, ByteView(&one, 1), x, h}) && Mac(v_, {v_});
  }
  NonceGenerator(const NonceGenerator&) = delete;
  NonceGenerator& operator=(const NonceGenerator&) = delete;
  ~NonceGenerator() {
    Wipe(k_);
    Wipe(v_);
  }

  // The next candidate k in [1, n-1]. Each call after the first first steps the DRBG
  // past the previous candidate, as RFC 6979 3.2 h.3 does when a k is unusable.
  bool Next(Scalar& k) {
    const std::uint8_t zero = 0x00;
    for (int attempt = 0; ok_ && attempt < 64; ++attempt) {
      if (started_) ok_ = Mac(k_, {v_, ByteView(&zero, 1)}) && Mac(v_, {v_});
      started_ = true;
      ok_ = ok_ && Mac(v_, {v_});
      if (ok_ && IsValidScalar(v_)) {
        k = v_;
        return true;
      }
    }
    return false;
  }

 private:
  // out = HMAC_K(concatenation of parts). `out` may alias a part: the MAC is finished first.
  bool Mac(Scalar& out, std::initializer_list<ByteView> parts) {
    if (EVP_MAC_init(mac_, k_.data(), k_.size(), nullptr) != 1) return false;
    for (ByteView part : parts) {
      if (EVP_MAC_update(mac_, part.data(), part.size()) != 1) return false;
    }
    std::uint8_t digest[kScalarSize];
    std::size_t written = 0;
    bool ok = EVP_MAC_final(mac_, digest, &written, sizeof(digest)) == 1 && written == 32;
    if (ok) std::memcpy(out.data(), digest, sizeof(digest));
    Wipe(digest);
    return ok;
  }

  EVP_MAC_CTX* mac_;
  Scalar k_{};
  Scalar v_{};
  bool ok_ = false;
  bool started_ = false;
};

// ---- points ----

std::string HexByte(std::uint8_t byte) {
  char buf[5];
  std::snprintf(buf, sizeof(buf), "0x%02x", byte);
  return buf;
}

// Parses an uncompressed point, naming it `what` in the errors.
Result<PointPtr> ParsePoint(ByteView bytes, const std::string& what) {
  VIGIL_RETURN_IF_ERROR(CheckCurve());
  if (bytes.size() != kPointSize) {
    return Error::BadInput(what + " must be " + std::to_string(kPointSize) +
                           " bytes (uncompressed SEC1), got " + std::to_string(bytes.size()));
  }
  if (bytes[0] != 0x04) {
    return Error::BadInput(what + " is not an uncompressed SEC1 point (first byte " +
                           HexByte(bytes[0]) + ", want 0x04)");
  }
  if (!LessThanCt(bytes.subspan(1, 32), kFieldBytes) ||
      !LessThanCt(bytes.subspan(33, 32), kFieldBytes)) {
    return Error::BadInput(what + " has a coordinate that is not below the field prime p");
  }
  const EC_GROUP* group = GetCurve().group;
  PointPtr point(EC_POINT_new(group));
  if (!point) return OpenSslError("allocating a point");
  BnCtxPtr ctx(BN_CTX_new());
  if (!ctx) return OpenSslError("allocating a BN_CTX");
  // oct2point checks the curve equation too; the explicit check keeps the message exact.
  if (EC_POINT_oct2point(group, point.get(), bytes.data(), bytes.size(), ctx.get()) != 1 ||
      EC_POINT_is_on_curve(group, point.get(), ctx.get()) != 1) {
    ERR_clear_error();
    return Error::BadInput(what + " is not on the P-256 curve");
  }
  if (EC_POINT_is_at_infinity(group, point.get()) == 1) {
    return Error::BadInput(what + " is the point at infinity");
  }
  return point;
}

Result<Bytes> EncodePoint(const EC_POINT* point, BN_CTX* ctx) {
  Bytes out(kPointSize);
  if (EC_POINT_point2oct(GetCurve().group, point, POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), ctx) != kPointSize) {
    return OpenSslError("encoding a point");
  }
  return out;
}

Result<BnPtr> SecretScalar(ByteView bytes) {
  BnPtr bn(BN_secure_new());
  if (!bn || BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), bn.get()) == nullptr) {
    return OpenSslError("loading a scalar");
  }
  BN_set_flags(bn.get(), BN_FLG_CONSTTIME);
  return bn;
}

// The x-coordinate of d * point: the ECDH shared secret of SEC 1 (cofactor 1).
Result<SecretBytes> SharedX(const BIGNUM* d, const EC_POINT* point) {
  const EC_GROUP* group = GetCurve().group;
  BnCtxPtr ctx(BN_CTX_secure_new());
  PointPtr shared(EC_POINT_new(group));
  BnPtr x(BN_secure_new());
  if (!ctx || !shared || !x) return OpenSslError("allocating ECDH values");
  if (EC_POINT_mul(group, shared.get(), nullptr, point, d, ctx.get()) != 1 ||
      EC_POINT_is_at_infinity(group, shared.get()) == 1 ||
      EC_POINT_get_affine_coordinates(group, shared.get(), x.get(), nullptr, ctx.get()) != 1) {
    return OpenSslError("ECDH");
  }
  SecretBytes out(kScalarSize);
  if (BN_bn2binpad(x.get(), out.data(), kScalarInt) != kScalarInt) {
    return OpenSslError("encoding the shared secret");
  }
  return out;
}

// An EC_KEY holding the private scalar `d` (checked 1 <= d < n) and its public point;
// `point_out` receives the 65-byte public point.
Result<KeyPtr> KeyFromScalar(ByteView d, const std::string& what, Bytes& point_out) {
  if (!IsValidScalar(d)) {
    return Error::BadInput("this seed derives a " + what +
                           " scalar of 0 or >= n, which qos rejects too; use another seed");
  }
  const EC_GROUP* group = GetCurve().group;
  VIGIL_ASSIGN_OR_RETURN(BnPtr scalar, SecretScalar(d));
  KeyPtr key(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  PointPtr pub(EC_POINT_new(group));
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!key || !pub || !ctx) return OpenSslError("allocating a key");
  if (EC_KEY_set_private_key(key.get(), scalar.get()) != 1 ||
      EC_POINT_mul(group, pub.get(), scalar.get(), nullptr, nullptr, ctx.get()) != 1 ||
      EC_KEY_set_public_key(key.get(), pub.get()) != 1) {
    return OpenSslError("building the " + what + " key");
  }
  VIGIL_ASSIGN_OR_RETURN(point_out, EncodePoint(pub.get(), ctx.get()));
  return key;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// P256Public

struct P256Public::Impl {
  Bytes bytes;             // encryption point || signing point
  PointPtr encrypt_point;  // for ECDH
  KeyPtr sign_key;         // public-only EC_KEY, for ECDSA_do_verify
};

Result<P256Public> P256Public::FromBytes(ByteView public_key) {
  if (public_key.size() != kPublicKeySize) {
    return Error::BadInput("a qos public key is " + std::to_string(kPublicKeySize) +
                           " bytes (encryption point || signing point), got " +
                           std::to_string(public_key.size()));
  }
  auto impl = std::make_shared<Impl>();
  VIGIL_ASSIGN_OR_RETURN(impl->encrypt_point,
                         ParsePoint(public_key.first(kPointSize), "the encryption point"));
  VIGIL_ASSIGN_OR_RETURN(PointPtr sign_point,
                         ParsePoint(public_key.subspan(kPointSize), "the signing point"));
  impl->sign_key.reset(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  if (!impl->sign_key || EC_KEY_set_public_key(impl->sign_key.get(), sign_point.get()) != 1) {
    return OpenSslError("building the signing key");
  }
  impl->bytes.assign(public_key.begin(), public_key.end());
  return P256Public(std::move(impl));
}

ByteView P256Public::bytes() const { return impl_->bytes; }

ByteView P256Public::encryption_point() const { return ByteView(impl_->bytes).first(kPointSize); }

Status P256Public::Verify(ByteView message, ByteView signature) const {
  if (signature.size() != kSignatureSize) {
    return Error::BadInput("a qos signature is " + std::to_string(kSignatureSize) +
                           " bytes (r || s), got " + std::to_string(signature.size()));
  }
  ByteView r_bytes = signature.first(kScalarSize);
  ByteView s_bytes = signature.subspan(kScalarSize);
  if (!IsValidScalar(r_bytes)) return Error::BadInput("signature r is not in [1, n-1]");
  if (!IsValidScalar(s_bytes)) return Error::BadInput("signature s is not in [1, n-1]");
  BIGNUM* r = BN_bin2bn(r_bytes.data(), kScalarInt, nullptr);
  BIGNUM* s = BN_bin2bn(s_bytes.data(), kScalarInt, nullptr);
  SigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OpenSslError("loading the signature");
  }
  Sha256Digest digest = Sha256(message);
  int verdict = ECDSA_do_verify(digest.data(), static_cast<int>(digest.size()), sig.get(),
                                impl_->sign_key.get());
  if (verdict == 1) return OkStatus();
  ERR_clear_error();
  if (verdict == 0) return Error::Failed("the signature does not verify with this public key");
  return Error::Failed("cannot verify the signature: OpenSSL failed");
}

Result<EphemeralAgreement> P256Public::AgreeEphemeral() const {
  VIGIL_RETURN_IF_ERROR(CheckCurve());
  // Rejection sampling: a uniform scalar in [1, n-1] (a retry is needed with p ~ 2^-32).
  SecretBytes scalar_bytes;
  for (int attempt = 0;; ++attempt) {
    if (attempt == 64) return Error::Failed("the random generator keeps returning bad scalars");
    VIGIL_ASSIGN_OR_RETURN(scalar_bytes, RandomSecret(kScalarSize));
    if (IsValidScalar(scalar_bytes.view())) break;
  }
  VIGIL_ASSIGN_OR_RETURN(BnPtr scalar, SecretScalar(scalar_bytes.view()));
  const EC_GROUP* group = GetCurve().group;
  PointPtr point(EC_POINT_new(group));
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!point || !ctx ||
      EC_POINT_mul(group, point.get(), scalar.get(), nullptr, nullptr, ctx.get()) != 1) {
    return OpenSslError("making an ephemeral key");
  }
  EphemeralAgreement out;
  VIGIL_ASSIGN_OR_RETURN(out.public_point, EncodePoint(point.get(), ctx.get()));
  VIGIL_ASSIGN_OR_RETURN(out.shared, SharedX(scalar.get(), impl_->encrypt_point.get()));
  return out;
}

// ---------------------------------------------------------------------------------------
// P256Pair

struct P256Pair::Impl {
  SecretBytes seed;
  SecretBytes aes_key;
  SecretBytes sign_scalar;  // x of RFC 6979
  KeyPtr encrypt_key;
  KeyPtr sign_key;
  P256Public public_part;
};

P256Pair::P256Pair(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
P256Pair::P256Pair(P256Pair&&) noexcept = default;
P256Pair& P256Pair::operator=(P256Pair&&) noexcept = default;
P256Pair::~P256Pair() = default;

Result<P256Pair> P256Pair::FromSeed(const SecretBytes& seed) {
  if (seed.size() != kSeedSize) {
    return Error::BadInput("a qos master seed is " + std::to_string(kSeedSize) + " bytes, got " +
                           std::to_string(seed.size()));
  }
  VIGIL_RETURN_IF_ERROR(CheckCurve());
  VIGIL_ASSIGN_OR_RETURN(SecretBytes encrypt_scalar,
                         HkdfSha512(seed.view(), AsBytes(kEncryptLabel), {}, kScalarSize));
  VIGIL_ASSIGN_OR_RETURN(SecretBytes sign_scalar,
                         HkdfSha512(seed.view(), AsBytes(kSignLabel), {}, kScalarSize));
  VIGIL_ASSIGN_OR_RETURN(SecretBytes aes_key,
                         HkdfSha512(seed.view(), AsBytes(kAesLabel), {}, kScalarSize));
  Bytes public_key;
  Bytes sign_point;
  VIGIL_ASSIGN_OR_RETURN(KeyPtr encrypt_key,
                         KeyFromScalar(encrypt_scalar.view(), "encryption", public_key));
  VIGIL_ASSIGN_OR_RETURN(KeyPtr sign_key, KeyFromScalar(sign_scalar.view(), "signing", sign_point));
  public_key.insert(public_key.end(), sign_point.begin(), sign_point.end());
  VIGIL_ASSIGN_OR_RETURN(P256Public public_part, P256Public::FromBytes(public_key));
  auto impl = std::unique_ptr<Impl>(new Impl{seed.Clone(), std::move(aes_key),
                                             std::move(sign_scalar), std::move(encrypt_key),
                                             std::move(sign_key), std::move(public_part)});
  return P256Pair(std::move(impl));
}

Result<P256Pair> P256Pair::Generate() {
  for (int attempt = 0; attempt < 16; ++attempt) {
    VIGIL_ASSIGN_OR_RETURN(SecretBytes seed, RandomSecret(kSeedSize));
    if (IsZeroCt(seed.view()) != 0) continue;  // qos never makes an all-zero seed
    Result<P256Pair> pair = FromSeed(seed);
    // BadInput means a derived scalar was out of range (p ~ 2^-31): draw another seed.
    if (pair.ok() || pair.error().code() != ErrorCode::kBadInput) return pair;
  }
  return Error::Failed("could not generate a usable seed; is the random generator broken?");
}

const SecretBytes& P256Pair::seed() const { return impl_->seed; }

Bytes P256Pair::public_key() const {
  ByteView bytes = impl_->public_part.bytes();
  return Bytes(bytes.begin(), bytes.end());
}

const P256Public& P256Pair::public_part() const { return impl_->public_part; }

const SecretBytes& P256Pair::aes_key() const { return impl_->aes_key; }

namespace {

// ECDSA P-256 / SHA-256 with the RFC 6979 nonce under private scalar `scalar`, whose OpenSSL key
// is `key`: the raw 64-byte r || s, without low-S normalisation.
Result<Bytes> SignWithKey(const SecretBytes& scalar, EC_KEY* key, ByteView message) {
  VIGIL_RETURN_IF_ERROR(CheckCurve());
  const Curve& curve = GetCurve();
  Sha256Digest digest = Sha256(message);
  // bits2octets(h1) = h1 mod n; h1 < 2^256 < 2n, so one conditional subtraction.
  Scalar reduced = digest;
  if (!LessThanCt(reduced, kOrderBytes)) {
    Limbs h = LimbsFromBytes(reduced);
    SubLimbs(h, h, kN);
    LimbsToBytes(h, reduced.data());
  }
  MacCtxPtr mac(EVP_MAC_CTX_dup(curve.hmac_sha256));
  BnCtxPtr ctx(BN_CTX_secure_new());
  PointPtr point(EC_POINT_new(curve.group));
  BnPtr k(BN_secure_new());
  BnPtr k_inverse(BN_secure_new());
  BnPtr x(BN_new());
  BnPtr r(BN_new());
  if (!mac || !ctx || !point || !k || !k_inverse || !x || !r) {
    return OpenSslError("allocating signing values");
  }
  BN_set_flags(k.get(), BN_FLG_CONSTTIME);
  BN_set_flags(k_inverse.get(), BN_FLG_CONSTTIME);
  NonceGenerator nonces(mac.get(), scalar.view(), reduced);
  Scalar nonce{};
  Scalar nonce_inverse{};
  Bytes signature;
  // A candidate fails only if r or s is 0 (p ~ 2^-256); RFC 6979 then takes the next k.
  for (int attempt = 0; attempt < 8 && signature.empty(); ++attempt) {
    if (!nonces.Next(nonce)) break;
    PaddedNonce padded = FixedLengthNonce(nonce);
    const bool loaded =
        BN_bin2bn(padded.data(), static_cast<int>(padded.size()), k.get()) != nullptr;
    Wipe(padded);
    if (!loaded ||
        EC_POINT_mul(curve.group, point.get(), k.get(), nullptr, nullptr, ctx.get()) != 1 ||
        EC_POINT_get_affine_coordinates(curve.group, point.get(), x.get(), nullptr, ctx.get()) !=
            1 ||
        BN_nnmod(r.get(), x.get(), curve.order, ctx.get()) != 1) {
      break;
    }
    if (BN_is_zero(r.get())) continue;
    if (!InvertModN(nonce, nonce_inverse.data())) {
      // Only a bug in the inverse can get here; refuse rather than emit a wrong s.
      Wipe(nonce);
      Wipe(nonce_inverse);
      return Error::Failed(
          "internal error: the nonce inverse failed its self-check; "
          "no signature was made");
    }
    if (BN_bin2bn(nonce_inverse.data(), kScalarInt, k_inverse.get()) == nullptr) break;
    SigPtr sig(ECDSA_do_sign_ex(digest.data(), static_cast<int>(digest.size()), k_inverse.get(),
                                r.get(), key));
    if (!sig) {  // s == 0
      ERR_clear_error();
      continue;
    }
    signature.resize(kSignatureSize);
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), signature.data(), kScalarInt) != kScalarInt ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), signature.data() + kScalarSize, kScalarInt) !=
            kScalarInt) {
      signature.clear();
      break;
    }
  }
  Wipe(nonce);
  Wipe(nonce_inverse);
  if (signature.empty()) return OpenSslError("ECDSA signing");
  return signature;
}

}  // namespace

Result<Bytes> P256Pair::Sign(ByteView message) const {
  return SignWithKey(impl_->sign_scalar, impl_->sign_key.get(), message);
}

Result<Bytes> SignWithScalar(const SecretBytes& scalar, ByteView message) {
  VIGIL_RETURN_IF_ERROR(CheckCurve());
  if (scalar.size() != kScalarSize) {
    return Error::BadInput("a P-256 private scalar is " + std::to_string(kScalarSize) +
                           " bytes, got " + std::to_string(scalar.size()));
  }
  Bytes point;
  VIGIL_ASSIGN_OR_RETURN(KeyPtr key, KeyFromScalar(scalar.view(), "signing", point));
  return SignWithKey(scalar, key.get(), message);
}

Result<SecretBytes> P256Pair::Agree(ByteView peer_point) const {
  VIGIL_ASSIGN_OR_RETURN(PointPtr point, ParsePoint(peer_point, "the peer's point"));
  return SharedX(EC_KEY_get0_private_key(impl_->encrypt_key.get()), point.get());
}

}  // namespace vigil::crypto::qos
