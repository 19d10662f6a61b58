// Compares a rebuilt output directory with a released one, file by file, and explains each
// difference: for the initramfs the member and header field, for an EIF the section.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil::image {

struct FileDifference {
  std::string file;
  std::vector<std::string> details;  // empty when only the hashes are known to differ
};

// Checks every file listed in RELEASED/SHA256SUMS against the same file in REBUILT (and
// files only in one of them). Empty when the directories are identical.
Result<std::vector<FileDifference>> CompareDists(const std::filesystem::path& released,
                                                 const std::filesystem::path& rebuilt);

}  // namespace vigil::image
