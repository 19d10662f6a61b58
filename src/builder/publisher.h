// The repository's `testing` channel: one directory per build holding the image files, the
// DSSE envelope and the ledger receipt, and an index of the latest build of each component,
// both written atomically (a reader sees a whole build or none).
//
//   REPO/testing/index.json
//     {"channel":"testing","components":{NAME:{"artifacts":[{"name","sha256"}],
//       "build_id","commit","envelope","key_id","ledger_index","path","receipt",
//       "signers":[FINGERPRINT...],"version"}}}
//   REPO/testing/NAME/BUILD_ID/{dist files, provenance.dsse.json, build.tlog-proof}
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/named_digest.h"

namespace vigil::builder {

using PublishedArtifact = crypto::NamedDigest;

struct Publication {
  std::string component;
  std::string version;
  std::string commit;
  std::string build_id;
  std::uint64_t ledger_index = 0;
  std::vector<std::string> signers;  // maintainer fingerprints that approved the source
  std::string key_id;                // the signer's key
  std::vector<PublishedArtifact> artifacts;
  std::string envelope;  // the DSSE envelope, verbatim
  std::string receipt;   // the ledger's receipt of the build
};

class Publisher {
 public:
  explicit Publisher(std::filesystem::path repository) : repository_(std::move(repository)) {}

  // Moves the files of `dist` with the envelope and receipt to testing/COMPONENT/BUILD_ID
  // and updates the index. Returns the published directory. Thread-safe.
  Result<std::filesystem::path> Publish(const Publication& publication,
                                        const std::filesystem::path& dist);

 private:
  std::filesystem::path repository_;
  std::mutex mutex_;  // the index is read, changed and replaced by one build at a time
};

}  // namespace vigil::builder
