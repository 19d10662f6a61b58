// Certificates and private keys in PEM files, read with a size bound and strict errors.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>

#include "base/result.h"
#include "crypto/openssl_util.h"

namespace vigil::rpc {

using KeyPtr = crypto::OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using CertPtr = crypto::OpenSslPtr<X509, X509_free>;

// The first certificate in `path` (kBadInput when there is none).
Result<CertPtr> ReadCertificatePem(const std::filesystem::path& path);
// An unencrypted private key; the file's bytes are wiped after parsing. Refuses a key
// file that its group or others may read (kBadInput, saying to chmod 600 it).
Result<KeyPtr> ReadPrivateKeyPem(const std::filesystem::path& path);

}  // namespace vigil::rpc
