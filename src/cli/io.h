// Input and output of the `vigil` commands: a file or standard input / output.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::cli {

// The most any command reads from --in or standard input.
inline constexpr std::uint64_t kMaxInputBytes = 64ull << 20;

// Reads `path`, or standard input when `path` is empty, into wiped memory.
Result<crypto::SecretBytes> ReadInput(const std::string& path);

// Writes `data` to a new file `path` atomically with `mode` (an existing file is bad
// input, never replaced), or to standard output when `path` is empty or "-".
Status WriteOutput(const std::string& path, ByteView data, unsigned mode);

}  // namespace vigil::cli
