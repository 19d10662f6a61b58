// Fetching a component's source with libgit2 and deciding whether it may be built: by
// default the branch head must carry signed tags (OpenPGP, checked with GPGME against the
// builder's own keyring) from at least `threshold` distinct pinned maintainers; the
// alternative is a pinned commit id.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/result.h"

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
  std::string commit;              // the verified commit id (hex)
  std::int64_t commit_time;        // committer time, seconds since the epoch
  std::string version;             // the first verified tag's name, or the commit's first 12 digits
  std::vector<TagSigner> signers;  // distinct trusted maintainers who signed a tag on it
  std::vector<std::string> refused;  // why other tags or signatures did not count
};

// Clones `policy.repository` into `dest` (which must not exist), checks out the commit to
// build and verifies it. Failed, with every reason, when the commit is not signed by
// enough distinct pinned maintainers or does not match the pinned commit; BadInput for a
// missing branch; MissingEnv when the repository cannot be reached.
Result<VerifiedSource> FetchVerifiedSource(const SourcePolicy& policy,
                                           const std::filesystem::path& dest);

}  // namespace vigil::builder
