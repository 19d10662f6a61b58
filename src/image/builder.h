// Builds an image output directory from a spec: reads and checks every input, writes the
// initramfs, the outputs (generic: kernel + initramfs + cmdline; aws: EIF + PCRs), the
// resolved spec and SHA256SUMS into a temporary directory, then renames it into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/named_digest.h"
#include "image/eif.h"
#include "image/spec.h"

namespace vigil::image {

struct BuildOptions {
  std::filesystem::path out_dir;  // must not exist yet
  // vigil-init to use when the spec has no [init] path.
  std::filesystem::path default_init;
  // Called at the start of each step ("reading inputs", ...), for progress display.
  std::function<void(const std::string&)> on_step;
};

// A file of the output directory: its name and digest (as SHA256SUMS lists it) and size.
struct BuiltFile : crypto::NamedDigest {
  std::uint64_t size = 0;
};

struct BuildSummary {
  std::string name;
  std::filesystem::path out_dir;
  std::vector<BuiltFile> files;  // sorted by name, as in SHA256SUMS
  std::uint64_t initramfs_uncompressed = 0;
  std::optional<Pcrs> pcrs;  // with the aws output
};

// File names inside an output directory.
inline constexpr char kKernelFile[] = "vmlinuz";
inline constexpr char kCmdlineFile[] = "cmdline";
inline constexpr char kInitramfsBase[] = "initramfs.cpio";
inline constexpr char kSumsFile[] = "SHA256SUMS";
std::string ResolvedSpecFile(const std::string& image_name);  // "<name>.resolved.toml"
std::string EifFile(const std::string& image_name);           // "<name>.eif"
std::string PcrsFile(const std::string& image_name);          // "<name>.pcrs"
std::string TpmPcrsFile(const std::string& image_name);       // "<name>.tpm-pcrs"

// The one `*.resolved.toml` in an output directory; nullopt when there is none, an error
// when there are several or the directory cannot be read.
Result<std::optional<std::filesystem::path>> FindRecordedSpec(const std::filesystem::path& dist);

// Builds `spec`. On any error nothing is left at options.out_dir.
Result<BuildSummary> BuildImage(const ImageSpec& spec, const BuildOptions& options);

// The `<hex> PCRn` lines of a .pcrs file (QuorumOS's dist format).
std::string FormatPcrs(const Pcrs& pcrs);

}  // namespace vigil::image
