// Signer keys kept on a PKCS#11 token (an HSM, or SoftHSM2 in tests): the private key
// never leaves the token, which signs. The module is loaded with dlopen at run time, so
// the signer needs no PKCS#11 library at build time.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "crypto/public_key.h"
#include "crypto/secret.h"
#include "signer/signing_key.h"

namespace vigil::signer {

struct Pkcs11KeyConfig {
  std::filesystem::path module;  // the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so
  std::string token_label;       // the token's label, without its space padding
  std::string key_label;         // CKA_LABEL of the private key and of its public key
  crypto::KeyAlgorithm algorithm;
  crypto::SecretBytes pin;  // the user PIN
};

// Logs in to the token and finds the key pair labelled `key_label`, whose type must match
// `algorithm`. The key holds a logged-in session until it is destroyed.
// Errors: MissingEnv when the module cannot be loaded; BadInput for an unknown token, a
// missing, duplicated or mismatched key; Failed for a rejected PIN or a token failure,
// named by its CKR_ code.
//
// Several keys (and GeneratePkcs11Key) may be in use at once in one process: the module
// is initialized by the first user and finalized by the last. PKCS#11 logins belong to the
// token, not the session, so a key opened while another key of the same token is open
// shares that login (the token does not check the PIN again).
Result<std::unique_ptr<SigningKey>> OpenPkcs11Key(const Pkcs11KeyConfig& config);

// Generates a key pair labelled `key_label` on the token: the private key is sensitive and
// never extractable. BadInput when a key with that label already exists.
Result<crypto::PublicKey> GeneratePkcs11Key(const Pkcs11KeyConfig& config);

}  // namespace vigil::signer
