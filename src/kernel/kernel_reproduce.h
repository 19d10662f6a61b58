// `vigil reproduce KERNEL_DIR`: rebuilds a kernel output directory from the resolved spec
// it records (kernel.toml), without the cache, in a fresh tree, as another user and on
// another host name, and compares every file with the release.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil::kernel {

struct KernelReproduceOptions {
  std::filesystem::path dir;        // the kernel output directory
  std::filesystem::path spec_dir;   // where the recorded fragment paths start (kernel/)
  std::filesystem::path vigil;      // the vigil binary that rebuilds
  std::filesystem::path cache_dir;  // where the pinned source .deb is
  int jobs = 2;
  bool keep = false;
};

struct KernelReproduceResult {
  std::vector<std::string> variations;
  std::vector<std::string> skipped;
  std::vector<std::string> differing;  // file names whose bytes differ; empty: identical
  std::vector<std::string> notes;      // e.g. a toolchain that differs from the recorded one
  std::filesystem::path kept_tree;
};

// True when `dir` holds a kernel build (kernel.toml beside a bzImage).
bool IsKernelDir(const std::filesystem::path& dir);

// BadInput when the directory is not an intact kernel build or a recorded fragment is
// missing, outside spec_dir or no longer matches its hash; Failed when the rebuild fails.
Result<KernelReproduceResult> ReproduceKernel(const KernelReproduceOptions& options);

}  // namespace vigil::kernel
