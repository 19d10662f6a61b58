#include "attestation/tpm2_credential.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "attestation/tpm2_wire.h"
#include "crypto/hkdf.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace vigil::attestation {
namespace {

using PkeyPtr = crypto::OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using PkeyCtxPtr = crypto::OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using CipherCtxPtr = crypto::OpenSslPtr<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>;

constexpr std::size_t kSeedBytes = 32;         // the EK's name algorithm, SHA-256
constexpr char kIdentityLabel[] = "IDENTITY";  // OAEP label, with its terminating zero

Result<Bytes> OaepEncrypt(EVP_PKEY* key, ByteView plain) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  // OpenSSL takes ownership of the label.
  auto* label = static_cast<unsigned char*>(OPENSSL_malloc(sizeof kIdentityLabel));
  if (label == nullptr) return Error::Failed("out of memory");
  std::memcpy(label, kIdentityLabel, sizeof kIdentityLabel);
  std::size_t size = 0;
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set0_rsa_oaep_label(ctx.get(), label, sizeof kIdentityLabel) != 1) {
    return crypto::OpenSslError("setting up RSA-OAEP to the EK");
  }
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &size, plain.data(), plain.size()) != 1) {
    return crypto::OpenSslError("encrypting to the EK");
  }
  Bytes out(size);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &size, plain.data(), plain.size()) != 1) {
    return crypto::OpenSslError("encrypting to the EK");
  }
  out.resize(size);
  return out;
}

Result<Bytes> Aes128CfbEncrypt(ByteView key, ByteView plain) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  const unsigned char iv[16] = {};
  Bytes out(plain.size() + 16);
  int written = 0, last = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_cfb(), nullptr, key.data(), iv) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &written, plain.data(),
                        static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + written, &last) != 1) {
    return crypto::OpenSslError("AES-128-CFB");
  }
  out.resize(static_cast<std::size_t>(written + last));
  return out;
}

}  // namespace

Result<crypto::SecretBytes> Tpm2Kdfa(ByteView key, std::string_view label, ByteView context_u,
                                     ByteView context_v, std::size_t bits) {
  crypto::SecretBytes out((bits + 7) / 8);
  std::size_t done = 0;
  for (std::uint32_t counter = 1; done < out.size(); ++counter) {
    tpm2::Writer message;
    message.U32(counter)
        .Raw(AsBytes(label))
        .U8(0)
        .Raw(context_u)
        .Raw(context_v)
        .U32(static_cast<std::uint32_t>(bits));
    VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes block, crypto::HmacSha256(key, message.bytes()));
    const std::size_t n = std::min(block.size(), out.size() - done);
    std::memcpy(out.data() + done, block.data(), n);
    done += n;
  }
  return out;
}

Result<Tpm2Credential> MakeTpm2Credential(ByteView ek_public_der, ByteView ak_name,
                                          ByteView secret) {
  if (secret.size() > 32) return Error::BadInput("a credential's secret is at most 32 bytes");
  if (ak_name.size() != 34 || ak_name[0] != 0x00 || ak_name[1] != 0x0b) {
    return Error::BadInput("the attestation key's name is not a SHA-256 name");
  }
  const unsigned char* p = ek_public_der.data();
  PkeyPtr ek(d2i_PUBKEY(nullptr, &p, static_cast<long>(ek_public_der.size())));
  if (!ek || p != ek_public_der.data() + ek_public_der.size() ||
      EVP_PKEY_get_base_id(ek.get()) != EVP_PKEY_RSA || EVP_PKEY_get_bits(ek.get()) != 2048) {
    return Error::BadInput("the EK is not an RSA 2048 key");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed, crypto::RandomSecret(kSeedBytes));
  VIGIL_ASSIGN_OR_RETURN(Bytes encrypted_seed, OaepEncrypt(ek.get(), seed.view()));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes symmetric,
                         Tpm2Kdfa(seed.view(), "STORAGE", ak_name, {}, 128));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes hmac_key,
                         Tpm2Kdfa(seed.view(), "INTEGRITY", {}, {}, 256));
  tpm2::Writer plain;
  plain.Sized(secret);  // TPM2B_DIGEST
  VIGIL_ASSIGN_OR_RETURN(Bytes enc_identity, Aes128CfbEncrypt(symmetric.view(), plain.bytes()));
  Bytes hmac_input = enc_identity;
  hmac_input.insert(hmac_input.end(), ak_name.begin(), ak_name.end());
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes integrity,
                         crypto::HmacSha256(hmac_key.view(), hmac_input));
  tpm2::Writer id_object;
  id_object.Sized(integrity.view()).Raw(enc_identity);
  return Tpm2Credential{.id_object = id_object.bytes(), .encrypted_secret = encrypted_seed};
}

}  // namespace vigil::attestation
