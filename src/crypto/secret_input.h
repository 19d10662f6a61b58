// Reading input that may be secret (a message, a plaintext, a secret to split) into wiped
// memory, from a file or from a descriptor such as standard input.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

// Reads `fd` to its end, at most `max_size` bytes (BadInput beyond, naming `name`). Every
// buffer that held the bytes on the way is wiped; the descriptor is not closed.
Result<SecretBytes> ReadSecretFromFd(int fd, std::uint64_t max_size, const std::string& name);

// Reads the file `path` of at most `max_size` bytes; the plain copy is wiped.
Result<SecretBytes> ReadSecretFile(const std::filesystem::path& path, std::uint64_t max_size);

}  // namespace vigil::crypto
