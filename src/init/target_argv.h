// Reading and checking the target's argv file (protocol::kTargetArgvPath).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::init {

// The file is tiny; a bound keeps a broken image from exhausting memory.
inline constexpr std::size_t kMaxTargetArgvBytes = 64 * 1024;

// Splits NUL-terminated strings. Requires at least one string, the last byte NUL and
// argv[0] an absolute path; later arguments may be empty.
Result<std::vector<std::string>> ParseTargetArgv(std::string_view data);

// Reads `path` (a regular file of at most kMaxTargetArgvBytes) and parses it.
Result<std::vector<std::string>> ReadTargetArgv(const char* path);

}  // namespace vigil::init
