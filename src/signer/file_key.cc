#include "signer/file_key.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <mutex>

#include "base/file.h"
#include "crypto/hash.h"
#include "crypto/openssl_util.h"
#include "crypto/pem_files.h"
#include "crypto/secret.h"

namespace vigil::signer {
namespace {

using PkeyPtr = crypto::OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using MdCtxPtr = crypto::OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using BioPtr = crypto::OpenSslPtr<BIO, BIO_free>;

Result<crypto::PublicKey> PublicKeyOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return crypto::OpenSslError("encoding a public key");
  Bytes bytes(der, der + length);
  OPENSSL_free(der);
  return crypto::PublicKey::FromDer(bytes);
}

using PkeyCtxPtr = crypto::OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

// Contexts are set up once per key: OpenSSL 3 looks algorithms up by name on every
// initialisation, which costs more than an Ed25519 signature.
class FileKey final : public SigningKey {
 public:
  static Result<std::unique_ptr<SigningKey>> Create(PkeyPtr key, crypto::PublicKey public_key) {
    std::unique_ptr<FileKey> file_key(new FileKey(std::move(key), std::move(public_key)));
    if (file_key->public_key_.algorithm() == crypto::KeyAlgorithm::kEd25519) {
      file_key->digest_ctx_.reset(EVP_MD_CTX_new());
      if (!file_key->digest_ctx_ ||
          EVP_DigestSignInit(file_key->digest_ctx_.get(), nullptr, nullptr, nullptr,
                             file_key->key_.get()) != 1) {
        return crypto::OpenSslError("preparing Ed25519 signatures");
      }
    } else {
      file_key->pkey_ctx_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, file_key->key_.get(), nullptr));
      if (!file_key->pkey_ctx_ || EVP_PKEY_sign_init(file_key->pkey_ctx_.get()) != 1 ||
          EVP_PKEY_CTX_set_signature_md(file_key->pkey_ctx_.get(), EVP_sha256()) != 1) {
        return crypto::OpenSslError("preparing ECDSA signatures");
      }
    }
    return std::unique_ptr<SigningKey>(std::move(file_key));
  }

  const crypto::PublicKey& public_key() const override { return public_key_; }

  Result<Bytes> Sign(ByteView message) override {
    std::lock_guard lock(mutex_);
    if (digest_ctx_) {
      // Ed25519 is one-shot, so its context may sign again and again.
      Bytes signature(64);
      std::size_t size = signature.size();
      if (EVP_DigestSign(digest_ctx_.get(), signature.data(), &size, message.data(),
                         message.size()) != 1 ||
          size != signature.size()) {
        return crypto::OpenSslError("signing");
      }
      return signature;
    }
    const crypto::Sha256Digest digest = crypto::Sha256(message);
    std::size_t size = 0;
    if (EVP_PKEY_sign(pkey_ctx_.get(), nullptr, &size, digest.data(), digest.size()) != 1) {
      return crypto::OpenSslError("signing");
    }
    Bytes signature(size);
    if (EVP_PKEY_sign(pkey_ctx_.get(), signature.data(), &size, digest.data(), digest.size()) !=
        1) {
      return crypto::OpenSslError("signing");
    }
    signature.resize(size);
    return signature;
  }

 private:
  FileKey(PkeyPtr key, crypto::PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}

  PkeyPtr key_;  // OpenSSL wipes the private key when it is freed
  crypto::PublicKey public_key_;
  std::mutex mutex_;     // a context signs one message at a time
  MdCtxPtr digest_ctx_;  // Ed25519
  PkeyCtxPtr pkey_ctx_;  // ECDSA P-256, over our SHA-256
};

}  // namespace

Result<std::unique_ptr<SigningKey>> OpenFileKey(const std::filesystem::path& path,
                                                crypto::KeyAlgorithm algorithm) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error::BadInput(path.string() +
                           ": no such key file (create it with `vigil-signer --init-key NAME`)");
  }
  // Owner-only permissions, a bounded read and a wiped buffer: the CA's key reader.
  VIGIL_ASSIGN_OR_RETURN(PkeyPtr key, crypto::ReadPrivateKeyPem(path));
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey public_key, PublicKeyOf(key.get()));
  if (public_key.algorithm() != algorithm) {
    return Error::BadInput(path.string() + ": the key is " +
                           std::string(crypto::KeyAlgorithmName(public_key.algorithm())) +
                           ", the configuration says " +
                           std::string(crypto::KeyAlgorithmName(algorithm)));
  }
  return FileKey::Create(std::move(key), std::move(public_key));
}

Result<crypto::PublicKey> GenerateFileKey(const std::filesystem::path& path,
                                          crypto::KeyAlgorithm algorithm) {
  PkeyPtr key(algorithm == crypto::KeyAlgorithm::kEd25519
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return crypto::OpenSslError("generating a key");
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                            nullptr) != 1) {
    return crypto::OpenSslError("encoding a private key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  const ByteView pem(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(length));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(path, pem, 0600));
  return PublicKeyOf(key.get());
}

}  // namespace vigil::signer
