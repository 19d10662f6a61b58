// Release signatures kept in git, as git-sig does: detached OpenPGP signatures over a
// commit's tree hash, stored as a note on the commit under refs/notes/signatures so they
// travel with the repository (`git push origin refs/notes/signatures`).
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "release/signing.h"
#include "release/threshold.h"

namespace vigil::release {

inline constexpr char kSignaturesNotesRef[] = "refs/notes/signatures";
// Bounds on what is read from a note.
inline constexpr std::size_t kMaxNoteSize = 1 << 20;

struct GitRevision {
  std::string commit;  // hex object ids
  std::string tree;
};

// The exact bytes signed for a tree: "vigil-release-tree-v1\ntree <hex>\n". A signature
// therefore covers the tree's content, whichever commit or note carries it.
std::string TreeSignaturePayload(const std::string& tree_hex);

// Signs the tree of `revision` (anything git rev-parse accepts that names a commit) in the
// repository at or above `repo` and appends the signature to the commit's note. Returns
// the commit and tree signed. kBadInput for no repository, an unknown revision or an
// unusable key (as SignRelease).
Result<GitRevision> SignGitRevision(const std::filesystem::path& repo, const std::string& revision,
                                    const SignOptions& options);

// Counts the valid signatures in the commit's note over its tree, by distinct primary keys
// of `keyring`, as VerifyRelease does for a DIST. A commit without a note has no signers.
// Reads only. Each signature is labelled "note:<commit>#<n>".
Result<VerifyReport> VerifyGitRevision(const std::filesystem::path& repo,
                                       const std::string& revision,
                                       const std::filesystem::path& keyring, int threshold);

}  // namespace vigil::release
