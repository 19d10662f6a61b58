// Reading and checking the target's argv file (image::kTargetArgvPath, image/layout.h).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "image/layout.h"

namespace vigil::init {

// Splits NUL-terminated strings. Requires at least one string, the last byte NUL and
// argv[0] an absolute path; later arguments may be empty.
Result<std::vector<std::string>> ParseTargetArgv(std::string_view data);

// Reads `path` (a regular file of at most image::kMaxTargetArgvBytes) and parses it.
Result<std::vector<std::string>> ReadTargetArgv(const char* path);

}  // namespace vigil::init
