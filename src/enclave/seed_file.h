// QuorumOS's key files inside the enclave (qos.quorum.key, qos.ephemeral.key): the 32-byte
// master seed as 64 lowercase hex digits, mode 0600, written atomically.
#pragma once

#include <filesystem>

#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::enclave {

Status WriteSeedFile(const std::filesystem::path& path, const crypto::SecretBytes& seed);

}  // namespace vigil::enclave
