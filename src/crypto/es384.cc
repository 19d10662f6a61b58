#include "crypto/es384.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstring>
#include <string>

#include "crypto/openssl_util.h"

namespace vigil::crypto {
namespace {

using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BnPtr = OpenSslPtr<BIGNUM, BN_clear_free>;
using SigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using GroupPtr = OpenSslPtr<EC_GROUP, EC_GROUP_free>;
using PointPtr = OpenSslPtr<EC_POINT, EC_POINT_free>;
using ParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using ParamPtr = OpenSslPtr<OSSL_PARAM, OSSL_PARAM_free>;

constexpr int kHalf = static_cast<int>(kP384ScalarSize);

// The public point d*G, which OpenSSL's fromdata needs beside the scalar.
Result<Bytes> PointOf(const BIGNUM* d) {
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_secp384r1));
  if (!group) return OpenSslError("loading P-384");
  PointPtr point(EC_POINT_new(group.get()));
  if (!point || EC_POINT_mul(group.get(), point.get(), d, nullptr, nullptr, nullptr) != 1) {
    return OpenSslError("computing a P-384 public point");
  }
  Bytes out(1 + 2 * kP384ScalarSize);
  if (EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), nullptr) != out.size()) {
    return OpenSslError("encoding a P-384 public point");
  }
  return out;
}

Status CheckScalar(const BIGNUM* d) {
  GroupPtr group(EC_GROUP_new_by_curve_name(NID_secp384r1));
  if (!group) return OpenSslError("loading P-384");
  if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group.get())) >= 0) {
    return Error::BadInput("a P-384 private scalar must be between 1 and the group order - 1");
  }
  return OkStatus();
}

Result<Bytes> RawFromDer(const Bytes& der) {
  const unsigned char* p = der.data();
  SigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return OpenSslError("decoding an ECDSA signature");
  Bytes raw(kEs384SignatureSize);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), kHalf) != kHalf ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + kHalf, kHalf) != kHalf) {
    return OpenSslError("encoding an ECDSA signature");
  }
  return raw;
}

Result<Bytes> DerFromRaw(ByteView raw) {
  if (raw.size() != kEs384SignatureSize) {
    return Error::BadInput("an ES384 signature is 96 bytes (r || s), not " +
                           std::to_string(raw.size()));
  }
  BIGNUM* r = BN_bin2bn(raw.data(), kHalf, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + kHalf, kHalf, nullptr);
  SigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OpenSslError("building an ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) return OpenSslError("encoding an ECDSA signature");
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

}  // namespace

struct Es384Signer::Impl {
  PkeyPtr key;
  Bytes public_point;
};

Es384Signer::Es384Signer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Es384Signer::Es384Signer(Es384Signer&&) noexcept = default;
Es384Signer& Es384Signer::operator=(Es384Signer&&) noexcept = default;
Es384Signer::~Es384Signer() = default;

Result<Es384Signer> Es384Signer::FromScalar(const SecretBytes& scalar) {
  if (scalar.size() != kP384ScalarSize) {
    return Error::BadInput("a P-384 private scalar is 48 bytes, not " +
                           std::to_string(scalar.size()));
  }
  BnPtr d(BN_secure_new());
  if (!d || BN_bin2bn(scalar.data(), kHalf, d.get()) == nullptr) {
    return OpenSslError("reading a P-384 scalar");
  }
  VIGIL_RETURN_IF_ERROR(CheckScalar(d.get()));
  VIGIL_ASSIGN_OR_RETURN(Bytes point, PointOf(d.get()));
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "P-384", 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return OpenSslError("building a P-384 key");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw_key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw_key, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return OpenSslError("loading a P-384 key");
  }
  auto impl = std::make_unique<Impl>();
  impl->key.reset(raw_key);
  impl->public_point = std::move(point);
  return Es384Signer(std::move(impl));
}

Result<Bytes> Es384Signer::Sign(ByteView message) const {
  MdCtxPtr md(EVP_MD_CTX_new());
  std::size_t size = 0;
  if (!md ||
      EVP_DigestSignInit_ex(md.get(), nullptr, "SHA384", nullptr, nullptr, impl_->key.get(),
                            nullptr) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &size, message.data(), message.size()) != 1) {
    return OpenSslError("ES384 signing");
  }
  Bytes der(size);
  if (EVP_DigestSign(md.get(), der.data(), &size, message.data(), message.size()) != 1) {
    return OpenSslError("ES384 signing");
  }
  der.resize(size);
  return RawFromDer(der);
}

Result<Bytes> Es384Signer::PublicPoint() const { return impl_->public_point; }

Status Es384VerifyWithCertificate(ByteView certificate_der, ByteView message, ByteView signature) {
  const unsigned char* p = certificate_der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())));
  if (!cert || p != certificate_der.data() + certificate_der.size()) {
    return Error::BadInput("the signing certificate is not one DER X.509 certificate");
  }
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  if (key == nullptr || !EVP_PKEY_is_a(key, "EC")) {
    return Error::BadInput("the signing certificate's key is not an EC key");
  }
  char group[32] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     nullptr) != 1 ||
      (std::strcmp(group, "secp384r1") != 0 && std::strcmp(group, "P-384") != 0)) {
    return Error::BadInput("the signing certificate's key is not on P-384");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes der, DerFromRaw(signature));
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md ||
      EVP_DigestVerifyInit_ex(md.get(), nullptr, "SHA384", nullptr, nullptr, key, nullptr) != 1) {
    return OpenSslError("ES384 verification");
  }
  const int verdict =
      EVP_DigestVerify(md.get(), der.data(), der.size(), message.data(), message.size());
  ERR_clear_error();
  if (verdict != 1) return Error::Failed("the ES384 signature does not verify");
  return OkStatus();
}

}  // namespace vigil::crypto
