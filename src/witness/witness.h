// A transparency-log witness (C2SP tlog-witness): for each log it knows (origin and the
// log's note key), it keeps the size and root of the largest checkpoint it cosigned, and
// cosigns a new checkpoint only when it is signed by the log and proven consistent with
// that one. POST add-checkpoint's body is "old SIZE\n", up to 63 base64 consistency-proof
// hashes, one per line, an empty line, then the signed checkpoint. Answers, as the spec
// gives them:
//   200  the cosignature line(s)
//   400  a malformed request, or old larger than the checkpoint's size
//   403  the checkpoint carries no valid signature by the log's key
//   404  an origin the witness does not know
//   409  old is not the size the witness holds; the body is that size ("SIZE\n",
//        Content-Type text/x.tlog.size), from which the log proves again
//   422  the proof does not hold, a proof with old 0, the same size with another root, or
//        an empty tree whose root is not the empty hash
// The new state is on disk (written and synced) before a cosignature is returned, and the
// check and the update are one step, so concurrent requests cannot roll the witness back.
// Spec: docs/SPEC-witness.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tlog/cosignature.h"
#include "tlog/hash.h"
#include "tlog/note.h"

namespace vigil::witness {

inline constexpr std::size_t kMaxProofHashes = 63;
inline constexpr std::size_t kMaxAddCheckpointBytes = 64 * 1024;
inline constexpr std::string_view kSizeContentType = "text/x.tlog.size";

struct WitnessedLog {
  std::string origin;
  tlog::NoteVerifier key;
};

struct WitnessAnswer {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class Witness {
 public:
  // `state_dir` keeps one file per origin; `clock` gives Unix seconds for cosignatures.
  static Result<std::unique_ptr<Witness>> Open(tlog::Cosigner cosigner,
                                               std::vector<WitnessedLog> logs,
                                               std::filesystem::path state_dir,
                                               std::function<std::uint64_t()> clock);

  WitnessAnswer AddCheckpoint(std::string_view body);
  const tlog::Cosigner& cosigner() const { return cosigner_; }

  // What the witness holds for `origin` (size 0 and the empty root before anything).
  struct State {
    std::uint64_t size = 0;
    tlog::Hash root{};
  };
  Result<State> Load(std::string_view origin) const;

 private:
  Witness(tlog::Cosigner cosigner, std::map<std::string, tlog::NoteVerifier> logs,
          std::filesystem::path state_dir, std::function<std::uint64_t()> clock)
      : cosigner_(std::move(cosigner)),
        logs_(std::move(logs)),
        state_dir_(std::move(state_dir)),
        clock_(std::move(clock)) {}
  std::filesystem::path StatePath(std::string_view origin) const;

  tlog::Cosigner cosigner_;
  std::map<std::string, tlog::NoteVerifier> logs_;
  std::filesystem::path state_dir_;
  std::function<std::uint64_t()> clock_;
  std::mutex mutex_;  // one check-and-update at a time
};

}  // namespace vigil::witness
