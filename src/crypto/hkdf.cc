#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <memory>
#include <string>

namespace vigil::crypto {
namespace {

constexpr std::size_t kSha512Size = 64;

struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};

// Fetched once: fetching walks the provider tables under a lock. Never freed (process-wide).
EVP_KDF* HkdfAlgorithm() {
  static EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

Error OpenSslError(const std::string& what) {
  ERR_clear_error();
  return Error::Failed(what + " failed inside OpenSSL (is the default provider available?)");
}

// OSSL_PARAM wants a non-const pointer even for inputs it only reads; an empty input must
// still point somewhere.
void* ParamData(ByteView bytes) {
  static const std::uint8_t kEmpty = 0;
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-const-cast): OpenSSL API takes void*.
  return const_cast<std::uint8_t*>(bytes.empty() ? &kEmpty : bytes.data());
}

}  // namespace

Result<SecretBytes> HkdfSha512(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
  if (length == 0 || length > 255 * kSha512Size) {
    return Error::BadInput("HKDF-SHA512 output length must be 1.." +
                           std::to_string(255 * kSha512Size) + ", got " + std::to_string(length));
  }
  if (HkdfAlgorithm() == nullptr) return OpenSslError("fetching HKDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(HkdfAlgorithm()));
  if (!ctx) return OpenSslError("HKDF context allocation");
  char digest[] = "SHA512";
  OSSL_PARAM params[5];
  std::size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ParamData(ikm), ikm.size());
  params[n++] =
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ParamData(salt), salt.size());
  // An absent info parameter is the empty info of RFC 5869.
  if (!info.empty()) {
    params[n++] =
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ParamData(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();
  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return OpenSslError("HKDF-SHA512");
  }
  return out;
}

namespace {

Result<SecretBytes> Hmac(const char* digest_name, std::size_t size, ByteView key,
                         ByteView message) {
  if (HmacAlgorithm() == nullptr) return OpenSslError("fetching HMAC");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(HmacAlgorithm()));
  if (!ctx) return OpenSslError("HMAC context allocation");
  std::string digest(digest_name);
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest.data(), 0),
                         OSSL_PARAM_construct_end()};
  SecretBytes out(size);
  std::size_t written = 0;
  if (EVP_MAC_init(ctx.get(), static_cast<const unsigned char*>(ParamData(key)), key.size(),
                   params) != 1 ||
      (!message.empty() && EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) != 1 || written != size) {
    return OpenSslError(std::string("HMAC-") + digest_name);
  }
  return out;
}

}  // namespace

Result<SecretBytes> HmacSha512(ByteView key, ByteView message) {
  return Hmac("SHA512", kSha512Size, key, message);
}

Result<SecretBytes> HmacSha256(ByteView key, ByteView message) {
  return Hmac("SHA256", 32, key, message);
}

}  // namespace vigil::crypto
