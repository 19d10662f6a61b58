// The kernel spec (strict TOML): which Debian source package, pinned by version and the
// SHA-256 of its .deb, which config fragments (kept in the repository, applied in order on
// top of `make ARCH=x86_64 tinyconfig`), and the targets the kernel must serve.
//
//   name = "vigil-6.12"
//   source_date_epoch = 1700000000          # the kernel's build timestamp
//   targets = ["generic", "aws"]
//   fragments = ["fragments/base.config", "fragments/hardening.config"]
//   [source]
//   package = "linux-source-6.12"
//   version = "6.12.118-1~deb12u1"
//   sha256 = "896aff3b...fc3"                # of the .deb
//
// Spec: docs/SPEC-kernel.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "kernel/target.h"

namespace vigil::kernel {

inline constexpr std::size_t kMaxFragments = 32;

struct SourcePin {
  std::string package;
  std::string version;
  crypto::Sha256Digest deb_sha256{};

  // PACKAGE_VERSION_all.deb, as apt-get download names it.
  std::string DebFileName() const;
};

struct KernelSpec {
  std::string name;
  std::uint32_t source_date_epoch = 0;
  std::vector<Target> targets;
  std::filesystem::path spec_dir;                // where the spec file is
  std::vector<std::filesystem::path> fragments;  // absolute
  SourcePin source;

  // A fragment's path as the spec names it: relative to spec_dir.
  std::string FragmentName(const std::filesystem::path& fragment) const;
};

// The spec as TOML (fragments relative to spec_dir), which ParseKernelSpec reads back.
std::string FormatKernelSpec(const KernelSpec& spec);

// Reads and checks a spec file; relative fragment paths are relative to it. BadInput with
// file and line for anything wrong; a fragment that does not exist is BadInput too.
Result<KernelSpec> ReadKernelSpec(const std::filesystem::path& file);
Result<KernelSpec> ParseKernelSpec(std::string_view text, const std::filesystem::path& file);

}  // namespace vigil::kernel
