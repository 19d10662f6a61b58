// SHA-256 of a file, streamed through a small buffer (no allocation the size of the file),
// optionally copying the bytes to another file on the way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::crypto {

// Hashes the regular file `path` (symlinks refused, at most `max_size` bytes); with
// `copy_to`, also writes the same bytes there (no fsync: for scratch trees).
Result<Sha256Digest> Sha256OfFile(const std::filesystem::path& path, std::uint64_t max_size,
                                  const std::filesystem::path& copy_to = {});

// Hashes everything readable from `fd` from offset 0 (pread: the descriptor's offset is
// left alone), for example a SealedCopy.
Result<Sha256Digest> Sha256OfFd(int fd);

}  // namespace vigil::crypto
