// Certificates and private keys in PEM files, read with a size bound and strict errors: the
// one reader of the TLS files (rpc) and the signer's key files. Carries OpenSSL types: it
// is for the modules that call OpenSSL themselves (docs/ARCHITECTURE.md).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>

#include "base/result.h"
#include "crypto/openssl_util.h"

namespace vigil::crypto {

using KeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using CertPtr = OpenSslPtr<X509, X509_free>;

// The first certificate in `path` (kBadInput when there is none).
Result<CertPtr> ReadCertificatePem(const std::filesystem::path& path);
// An unencrypted private key; the file's bytes are wiped after parsing. Refuses a key
// file that its group or others may read (kBadInput, saying to chmod 600 it).
Result<KeyPtr> ReadPrivateKeyPem(const std::filesystem::path& path);

}  // namespace vigil::crypto
