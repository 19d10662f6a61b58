// The DIST manifest check: SHA256SUMS must list exactly the regular files of a release
// directory, with matching hashes, before anything is signed or signatures are counted.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace vigil::encoding {

// The directory of detached signatures inside DIST; the manifest does not cover it.
inline constexpr char kSignaturesDir[] = "signatures";
inline constexpr char kSumsName[] = "SHA256SUMS";

// Checks DIST against DIST/SHA256SUMS: every regular file except SHA256SUMS is listed and
// matches, every listed file exists, and there is nothing else (no symlinks, no
// subdirectories but signatures/). Returns the exact SHA256SUMS bytes that were checked, so
// the caller signs or verifies those and not a later version of the file. kBadInput when
// DIST is not a directory or SHA256SUMS is missing or malformed; kFailed naming every file
// that differs, is missing or is extra.
Result<std::string> CheckDistManifest(const std::filesystem::path& dist);

}  // namespace vigil::encoding
