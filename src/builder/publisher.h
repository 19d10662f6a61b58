// The repository's `testing` channel: one directory per build holding the image files, the
// DSSE envelope and the ledger receipt, and an index of the latest build of each component,
// both written atomically (a reader sees a whole build or none).
//
//   REPO/testing/index.json
//     {"channel":"testing","components":{NAME:{"artifacts":[{"name","sha256"}],
//       "build_id","commit","component","envelope","key_id","ledger_index","path","receipt",
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

struct PublishedBuild {
  std::filesystem::path dir;  // testing/COMPONENT/BUILD_ID
  std::string entry;          // its index entry (JSON), e.g. for the build cache
  Publication publication;
};

class Publisher {
 public:
  explicit Publisher(std::filesystem::path repository) : repository_(std::move(repository)) {}

  // Moves the files of `dist` with the envelope and receipt to testing/COMPONENT/BUILD_ID
  // and updates the index. Thread-safe.
  Result<PublishedBuild> Publish(const Publication& publication, const std::filesystem::path& dist);

  // An earlier build, given its entry as Publish returned it, read back after checking that
  // its directory is still there and that every artifact still hashes to the digest the
  // entry (and its signed provenance) names. Failed, saying what is wrong, otherwise.
  Result<PublishedBuild> Reread(const std::string& entry) const;
  // Points the index at an earlier build (Reread's) again. Thread-safe.
  Status Republish(const PublishedBuild& build);

 private:
  Status UpdateIndex(const std::string& component, const std::string& entry);

  std::filesystem::path repository_;
  std::mutex mutex_;  // the index is read, changed and replaced by one build at a time
};

}  // namespace vigil::builder
