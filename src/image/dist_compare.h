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

// Compares the files listed in `released_sums` (RELEASED's SHA256SUMS, already checked
// against RELEASED's files by encoding::CheckDistManifest) with REBUILT's own SHA256SUMS,
// and explains each difference (files only in one of them too). Empty when identical.
Result<std::vector<FileDifference>> CompareDists(const std::filesystem::path& released,
                                                 std::string_view released_sums,
                                                 const std::filesystem::path& rebuilt);

}  // namespace vigil::image
