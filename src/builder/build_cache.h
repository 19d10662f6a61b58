// The builder's cache of published builds, for components with `cache = true` (a kernel
// takes minutes; its inputs rarely change). KEY is the SHA-256 of every input the sandbox
// sees: the component's source tree and commit time, its command and signing key, its
// pinned inputs, the Vigil tools and the host's installed packages (the compiler is one).
// A hit still opens and closes a build log at the ledger, naming the cached build and its
// ledger entry, and publishes that build's already signed artifacts again; nothing is
// built or signed. The cache lives outside every sandbox, in the builder's work directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/external_input.h"

namespace vigil::builder {

struct CacheInputs {
  std::string component;
  std::string signing_key;
  std::vector<std::string> command;
  std::string tree_id;
  std::int64_t source_date_epoch = 0;
  std::vector<ExternalInput> inputs;
  std::string tools_sha256;     // DirectoryDigest of the tools directory
  std::string packages_sha256;  // InstalledPackagesDigest
};

// The key's text (one input per line, readable) and its SHA-256 in hex.
std::string CacheKeyText(const CacheInputs& inputs);
std::string CacheKey(const std::string& key_text);

// SHA-256 over the sorted relative names and contents of the regular files under `dir`
// (symlinks by their target), in hex.
Result<std::string> DirectoryDigest(const std::filesystem::path& dir);
// SHA-256 of `dpkg-query`'s list of installed packages and versions, in hex.
Result<std::string> InstalledPackagesDigest();

// KEY.json under DIR: the index entry of the build published for KEY (Publisher's), with
// the key's text beside it. Written by rename; a damaged record counts as a miss.
class BuildCache {
 public:
  explicit BuildCache(std::filesystem::path dir) : dir_(std::move(dir)) {}
  // The published entry recorded for `key`, if any.
  std::optional<std::string> Find(const std::string& key) const;
  Status Store(const std::string& key, const std::string& key_text, const std::string& entry) const;
  // Forgets `key` (its publication is gone or damaged).
  void Forget(const std::string& key) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace vigil::builder
