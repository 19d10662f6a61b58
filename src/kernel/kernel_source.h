// The kernel's source: the pinned Debian source package, kept in a cache so a version that
// has left the archive still builds for anyone who has it, and unpacked for a build.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "base/result.h"
#include "kernel/kernel_spec.h"

namespace vigil::kernel {

// $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil.
Result<std::filesystem::path> DefaultCacheDir();

// The pinned .deb at CACHE/debs/, checked against its SHA-256. When missing there it is
// fetched with `apt-get download` (which checks it against the signed archive index).
// MissingEnv when neither has it (names scripts/kernel-pin-update); BadInput when the
// package does not match its pin.
Result<std::filesystem::path> EnsureSourceDeb(const SourcePin& pin,
                                              const std::filesystem::path& cache_dir,
                                              const std::function<void(const std::string&)>& say);

// `deb` when it is the pinned package (its SHA-256 matches); BadInput saying so otherwise.
Result<std::filesystem::path> CheckSourceDeb(const SourcePin& pin,
                                             const std::filesystem::path& deb);

// Unpacks the kernel tree the .deb holds (usr/src/linux-source-*.tar.xz) under `dir`;
// returns the tree's root.
Result<std::filesystem::path> ExtractSource(const std::filesystem::path& deb,
                                            const std::filesystem::path& dir);

}  // namespace vigil::kernel
