// A signer key kept in a file: PKCS#8 PEM, mode 0600, for small setups without an HSM.
#pragma once

#include <filesystem>
#include <memory>

#include "crypto/public_key.h"
#include "signer/signing_key.h"

namespace vigil::signer {

// Loads the key at `path`. Refuses a file that others may read (BadInput: chmod 600) and
// a key of another algorithm than `algorithm`.
Result<std::unique_ptr<SigningKey>> OpenFileKey(const std::filesystem::path& path,
                                                crypto::KeyAlgorithm algorithm);

// Creates a new key at `path` (0600, never replacing a file) and returns its public key.
Result<crypto::PublicKey> GenerateFileKey(const std::filesystem::path& path,
                                          crypto::KeyAlgorithm algorithm);

}  // namespace vigil::signer
