#include "crypto/public_key.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/openssl_util.h"

namespace vigil::crypto {
namespace {

using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG, ECDSA_SIG_free>;

constexpr std::size_t kMaxPublicKeyDer = 1024;

// SubjectPublicKeyInfo headers up to the BIT STRING contents (RFC 8410, RFC 5480).
constexpr std::array<std::uint8_t, 12> kEd25519SpkiPrefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                             0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
constexpr std::array<std::uint8_t, 26> kP256SpkiPrefix = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

Result<PkeyPtr> ParseSpki(ByteView der) {
  const unsigned char* p = der.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != der.data() + der.size()) {
    ERR_clear_error();
    return Error::BadInput("not a DER SubjectPublicKeyInfo public key");
  }
  return key;
}

}  // namespace

std::string_view KeyAlgorithmName(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::kEd25519 ? "ed25519" : "ecdsa-p256";
}

Result<KeyAlgorithm> ParseKeyAlgorithm(std::string_view name) {
  if (name == "ed25519") return KeyAlgorithm::kEd25519;
  if (name == "ecdsa-p256") return KeyAlgorithm::kEcdsaP256;
  return Error::BadInput("unknown key algorithm '" + std::string(name) +
                         "': use ed25519 or ecdsa-p256");
}

Result<PublicKey> PublicKey::FromDer(ByteView der) {
  if (der.size() > kMaxPublicKeyDer) return Error::BadInput("the public key is too large");
  VIGIL_ASSIGN_OR_RETURN(PkeyPtr key, ParseSpki(der));
  KeyAlgorithm algorithm;
  if (EVP_PKEY_is_a(key.get(), "ED25519")) {
    algorithm = KeyAlgorithm::kEd25519;
  } else if (EVP_PKEY_is_a(key.get(), "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &length) != 1 ||
        std::string_view(group, length) != "prime256v1") {
      ERR_clear_error();
      return Error::BadInput("an EC public key must be on P-256 (prime256v1)");
    }
    algorithm = KeyAlgorithm::kEcdsaP256;
  } else {
    return Error::BadInput("the public key must be Ed25519 or ECDSA P-256");
  }
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return Error::BadInput("the public key is not a valid point");
  }
  // Only the canonical encoding: one key, one id.
  unsigned char* encoded = nullptr;
  const int length = i2d_PUBKEY(key.get(), &encoded);
  const bool canonical = length > 0 && static_cast<std::size_t>(length) == der.size() &&
                         std::equal(der.begin(), der.end(), encoded);
  OPENSSL_free(encoded);
  if (!canonical) return Error::BadInput("the public key's DER is not canonical");
  return PublicKey(algorithm, Bytes(der.begin(), der.end()));
}

Result<PublicKey> PublicKey::FromPemFile(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, 64 * 1024));
  auto key = FromPem(AsText(bytes));
  if (!key.ok()) return key.error().WithContext(path.string());
  return key;
}

Result<PublicKey> PublicKey::FromPem(std::string_view pem) {
  if (pem.size() > 4 * kMaxPublicKeyDer) return Error::BadInput("the public key is too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("reading a public key");
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    ERR_clear_error();
    return Error::BadInput("not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key.get(), &der);
  if (length <= 0) return OpenSslError("encoding a public key");
  Bytes bytes(der, der + length);
  OPENSSL_free(der);
  return FromDer(bytes);
}

std::string PublicKey::Pem() const {
  const unsigned char* p = der_.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der_.size())));
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!key || !bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

PublicKey::PublicKey(KeyAlgorithm algorithm, Bytes der)
    : algorithm_(algorithm), der_(std::move(der)), key_id_(HexEncode(Sha256(der_))) {}

Status PublicKey::Verify(ByteView message, ByteView signature) const {
  const unsigned char* p = der_.data();
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der_.size())));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = algorithm_ == KeyAlgorithm::kEd25519 ? nullptr : EVP_sha256();
  const bool ok = key && ctx && !signature.empty() && signature.size() <= 256 &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                                   message.size()) == 1;
  ERR_clear_error();  // a rejected signature must not be blamed on the next failure
  if (!ok) return Error::Failed("the signature does not verify with key " + key_id_);
  return OkStatus();
}

Result<Bytes> PublicKeyDerFromRaw(KeyAlgorithm algorithm, ByteView raw) {
  Bytes der;
  if (algorithm == KeyAlgorithm::kEd25519) {
    if (raw.size() != 32) return Error::BadInput("an Ed25519 public key is 32 bytes");
    der.assign(kEd25519SpkiPrefix.begin(), kEd25519SpkiPrefix.end());
  } else {
    if (raw.size() != 65 || raw[0] != 0x04) {
      return Error::BadInput("a P-256 public key must be an uncompressed point (65 bytes)");
    }
    der.assign(kP256SpkiPrefix.begin(), kP256SpkiPrefix.end());
  }
  der.insert(der.end(), raw.begin(), raw.end());
  VIGIL_RETURN_IF_ERROR(PublicKey::FromDer(der).status());
  return der;
}

Result<Bytes> EcdsaRawToDer(ByteView raw) {
  if (raw.size() != 64) return Error::BadInput("a raw P-256 ECDSA signature is 64 bytes");
  EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return OpenSslError("encoding an ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig.get(), &der);
  if (length <= 0) return OpenSslError("encoding an ECDSA signature");
  Bytes out(der, der + length);
  OPENSSL_free(der);
  return out;
}

}  // namespace vigil::crypto
