// Downloading one Debian package, exactly as pinned (name=version), with `apt-get download`:
// apt checks it against the archive's signed index. The caller checks its own pin (SHA-256).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil {

// Downloads PACKAGE=VERSION into `dir` (an empty directory) and returns the .deb's path.
// MissingEnv when apt cannot (not in the archive, no network), with apt's last words.
Result<std::filesystem::path> DownloadDebianPackage(const std::string& package,
                                                    const std::string& version,
                                                    const std::filesystem::path& dir,
                                                    std::chrono::seconds timeout);

// True for a package name as Debian allows it ([a-z0-9][a-z0-9+.-]+) and a version of
// [A-Za-z0-9.+~:-]: what may follow apt-get's `=` without being read as an option.
bool IsDebianPackageName(std::string_view name);
bool IsDebianVersion(std::string_view version);

}  // namespace vigil
