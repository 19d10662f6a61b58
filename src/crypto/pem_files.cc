#include "crypto/pem_files.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/secret_file_mode.h"

namespace vigil::crypto {
namespace {

using BioPtr = OpenSslPtr<BIO, BIO_free>;
constexpr std::size_t kMaxPemFile = 64 * 1024;

}  // namespace

Result<CertPtr> ReadCertificatePem(const std::filesystem::path& path) {
  auto pem = ReadFile(path, kMaxPemFile);
  if (!pem.ok()) return pem.error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) return Error::BadInput(path.string() + " is not a PEM certificate");
  return cert;
}

Result<KeyPtr> ReadPrivateKeyPem(const std::filesystem::path& path) {
  VIGIL_RETURN_IF_ERROR(CheckSecretFileMode(path));
  auto pem = ReadFile(path, kMaxPemFile);
  if (!pem.ok()) return pem.error();
  BioPtr bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  OPENSSL_cleanse(pem->data(), pem->size());
  ERR_clear_error();
  if (!key) return Error::BadInput(path.string() + " is not an unencrypted PEM private key");
  return key;
}

}  // namespace vigil::crypto
