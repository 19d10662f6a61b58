// Opens and creates the keys a signer configuration names, from key files or PKCS#11.
#pragma once

#include "signer/signer_config.h"
#include "signer/signing_key.h"

namespace vigil::signer {

// Opens every configured key; fails on the first that cannot be used.
Result<SigningKeys> OpenConfiguredKeys(const SignerConfig& config);

// Creates the key `config` describes (a new key file, or a key generated on the token and
// never extractable) and returns its public key. Never replaces an existing key.
Result<crypto::PublicKey> CreateConfiguredKey(const KeyConfig& config);

}  // namespace vigil::signer
