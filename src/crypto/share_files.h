// Shamir shares as files: a new private directory of share.1 ... share.N (hex, 0600), made
// whole or not at all, and reading a set of share files back into a secret.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

// `out_dir` without its trailing slashes, if nothing exists there yet; BadInput otherwise
// (checked before the secret is read, so a mistake costs nothing).
Result<std::filesystem::path> NewShareDirectory(const std::string& out_dir);

// Writes shares[i] to `dir`/share.<i + 1> in a private staging directory beside `dir`,
// renamed into place: a failure leaves no partial set of shares behind.
Status WriteShareDirectory(const std::filesystem::path& dir,
                           const std::vector<SecretBytes>& shares);

// Reads the share files and reconstructs their secret. With `threshold` (0: none), fewer
// files are refused, since they would silently give a wrong secret.
Result<SecretBytes> ReconstructFromShareFiles(const std::vector<std::string>& files,
                                              std::size_t threshold);

}  // namespace vigil::crypto
