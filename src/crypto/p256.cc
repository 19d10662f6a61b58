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
#include "crypto/p256_scalar.h"
#include "crypto/random.h"
#include "crypto/rfc6979.h"

namespace vigil::crypto::qos {
namespace {

constexpr int kScalarInt = static_cast<int>(kScalarSize);  // for OpenSSL's int lengths

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
  ReduceOnceModN(reduced);
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
