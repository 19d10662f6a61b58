// `vigil kernel build`: the pinned source, `make ARCH=x86_64 tinyconfig`, the spec's
// fragments merged by the kernel's merge_config.sh, `olddefconfig`, a check that Kconfig
// kept every requested value and every target's guarantees, then a reproducible bzImage.
// Output (written by rename, like an image): bzImage, config, kernel.toml (the resolved
// spec: source, fragments' hashes, toolchain, kernel release, cache key) and SHA256SUMS.
// A finished build is kept in CACHE/kernels/KEY, KEY hashing every input, and reused.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/named_digest.h"
#include "kernel/kernel_spec.h"

namespace vigil::kernel {

inline constexpr char kBzImageFile[] = "bzImage";
inline constexpr char kConfigFile[] = "config";
inline constexpr char kResolvedSpecFile[] = "kernel.toml";

struct KernelBuildOptions {
  std::filesystem::path cache_dir;
  int jobs = 2;
  bool use_cache = true;  // false: build even when the cache has it (reproduce)
  std::chrono::seconds timeout{3600};
  // Where the build happens (its source tree is unpacked there); default CACHE/work.
  std::filesystem::path work_dir;
  // When set: the source package to build from (checked against the spec's pin) instead of
  // the cache or apt, e.g. a farm's pinned input mounted read-only in its sandbox.
  std::filesystem::path source_deb;
  std::function<void(const std::string&)> say = [](const std::string&) {};
  // Each chunk of make's output as it comes (a farm's build log keeps all of it).
  std::function<void(std::string_view)> make_output;
};

// The compiler, assembler/linker and make the kernel is built with: the banner embeds the
// first two, so they are part of what makes a build reproducible.
struct Toolchain {
  std::string gcc;
  std::string binutils;
  std::string make;
};

struct KernelBuildSummary {
  std::string cache_key;  // hex SHA-256 of every input
  bool cache_hit = false;
  std::string kernel_release;
  Toolchain toolchain;
  std::vector<crypto::NamedDigest> files;  // sorted, SHA256SUMS included
  std::uint64_t bzimage_size = 0;
};

Result<Toolchain> DetectToolchain();

// Builds (or takes from the cache) the kernel `spec` describes into `out`, which must not
// exist. BadInput for a fragment that does not parse, sets a symbol the source does not
// define, or that Kconfig changed (each named with the dependency that caused it);
// MissingEnv when the source or a tool is missing; Failed when the build fails. Nothing is
// written to `out` unless everything succeeded.
Result<KernelBuildSummary> BuildKernel(const KernelSpec& spec, const std::filesystem::path& out,
                                       const KernelBuildOptions& options);

}  // namespace vigil::kernel
