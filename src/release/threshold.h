// `vigil release verify`: M-of-N maintainer signatures over a release. The manifest must
// match, then valid signatures are counted by distinct primary keys of a pinned keyring.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::release {

// Bounds on what verify reads from signatures/.
inline constexpr std::size_t kMaxSignatureFiles = 256;
inline constexpr std::uint64_t kMaxSignatureSize = 64 << 10;
inline constexpr std::uint64_t kMaxKeyringSize = 16 << 20;

struct ValidSigner {
  std::string fingerprint;  // the primary key's, uppercase, even for a subkey signature
  std::string uid;          // the key's first user id
  std::string file;         // "signatures/<name>"
};

struct RejectedSignature {
  std::string file;
  std::string reason;
};

struct VerifyReport {
  int threshold = 0;
  std::vector<ValidSigner> valid;  // one entry per distinct primary key
  std::vector<RejectedSignature> invalid;
  bool ok() const { return static_cast<int>(valid.size()) >= threshold; }
};

class DetachedVerifier;

// One signature to judge: its label in the report, and its text or, when it could not even
// be read, why.
struct LabelledSignature {
  std::string label;
  std::string text;
  std::string unreadable;  // non-empty: rejected with this reason, text ignored
  // The bytes this signature signs, when each signature signs its own (signed git tags);
  // otherwise the `data` given to CountSignatures.
  std::optional<std::string> signed_data;
};

// Judges each signature over `data` (or its own signed_data) with `verifier` and counts
// valid ones by distinct primary keys: the M-of-N rule shared by DIST signatures, git notes
// and the builder's signed tags. With `pinned` non-empty, only keys whose primary
// fingerprint is listed count; the others are rejected as not pinned.
Result<VerifyReport> CountSignatures(DetachedVerifier& verifier,
                                     const std::vector<LabelledSignature>& signatures,
                                     std::string_view data, int threshold,
                                     const std::vector<std::string>& pinned = {});

// Checks DIST's manifest (kFailed naming the files when it does not match), imports the
// public keys of `keyring` into a fresh temporary GNUPGHOME (never the user's), and checks
// every signatures/* file against SHA256SUMS. Revoked or expired keys, keys outside the
// keyring, bad or malformed signatures and repeated keys are reported, not counted. Reads
// only; DIST is not modified. kBadInput for a threshold below 1 or an unusable keyring.
Result<VerifyReport> VerifyRelease(const std::filesystem::path& dist,
                                   const std::filesystem::path& keyring, int threshold);

}  // namespace vigil::release
