// Fetching a component's source with libgit2 and deciding whether it may be built: by
// default the branch head must carry signed tags (OpenPGP, checked with GPGME against the
// builder's own keyring) from at least `threshold` distinct pinned maintainers; the
// alternative is a pinned commit id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"

struct git_repository;
struct git_oid;

namespace vigil::builder {

struct SourcePolicy {
  std::string repository;                // a local path or a git URL
  std::string branch;                    // e.g. "main"
  std::string pinned_commit;             // 40 hex digits, or empty: require signed tags
  std::filesystem::path keyring;         // the maintainers' public keys
  std::vector<std::string> maintainers;  // pinned primary key fingerprints (uppercase)
  int threshold = 1;
};

struct TagSigner {
  std::string tag;
  std::string fingerprint;
  std::string uid;
};

struct VerifiedSource {
  std::filesystem::path tree;      // the commit's files, read-only from now on
  std::string tree_id;             // the git tree id of those files (hex)
  std::string commit;              // the verified commit id (hex)
  std::int64_t commit_time;        // committer time, seconds since the epoch
  std::string version;             // the first verified tag's name, or the commit's first 12 digits
  std::vector<TagSigner> signers;  // distinct trusted maintainers who signed a tag on it
  std::vector<std::string> refused;  // why other tags or signatures did not count
};

// Sources, fetched with libgit2 into a bare mirror per repository (ROOT/mirrors), and the
// trees of verified commits checked out once into ROOT/trees/TREE_ID (content-addressed:
// a tree id names exactly its files, so a later build of the same tree reuses them; the
// sandbox mounts them read-only). Thread-safe: fetches run one at a time.
class SourceCache {
 public:
  explicit SourceCache(std::filesystem::path root);
  ~SourceCache();

  // Fetches `policy.repository`, picks the commit to build and verifies it; only then
  // materialises its tree. Failed, with every reason, when the commit is not signed by
  // enough distinct pinned maintainers or the pinned commit is missing; BadInput for a
  // missing branch; MissingEnv when the repository cannot be reached.
  Result<VerifiedSource> Fetch(const SourcePolicy& policy);

 private:
  struct Verifiers;
  Status VerifyTags(git_repository* repo, const git_oid& head, const SourcePolicy& policy,
                    VerifiedSource* source);
  std::filesystem::path root_;
  std::mutex mutex_;
  std::unique_ptr<Verifiers> verifiers_;  // one imported keyring per keyring file content
};

}  // namespace vigil::builder
