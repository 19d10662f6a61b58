// The durable log: entries and Merkle hashes in the C2SP tlog-tiles layout under a
// directory, a signed checkpoint, and an SQLite index for lookups.
//
// Directory layout:
//   log.key         the checkpoint signing key (note private key text, mode 0600)
//   log.vkey        its verifier key
//   checkpoint      the latest signed checkpoint: the commit point of every append
//   tile/...        hash tiles and entry bundles (https://c2sp.org/tlog-tiles)
//   index.db        SQLite: leaf hash and (kind, key) of every entry, derived data
//   lock            flock(2)ed by the one process that has the log open
//
// Crash safety: a batch's bundles and tiles are written (temp, fsync, rename) before the
// checkpoint that covers them is replaced atomically, so an entry is durable before any
// checkpoint covers it. Files beyond the checkpoint are leftovers of an interrupted batch:
// Open() ignores them and later appends overwrite them. The index is rebuilt from the
// tiles for whatever it misses.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "tlog/hash.h"

namespace vigil::tlog {

namespace fs = std::filesystem;

// How the index files an entry: e.g. kind "build-log", key the build id.
struct EntryLabel {
  std::string kind;
  std::string key;
};
using EntryClassifier = std::function<std::optional<EntryLabel>(ByteView entry)>;

// Largest entry the tiles format can hold (uint16 length prefix in entry bundles).
inline constexpr std::size_t kMaxStoredEntrySize = 65535;

class EntryIndex;
class NoteSigner;

class LogStore {
 public:
  // Creates DIR (which must not exist or be empty) with a new Ed25519 checkpoint key for
  // `origin` and a signed checkpoint of the empty tree.
  static Status Init(const fs::path& dir, const std::string& origin);

  // Opens an existing log, verifying the checkpoint with the log's own key and recovering
  // from an interrupted batch. One process at a time: the log's lock file is held until
  // the store is destroyed.
  static Result<std::unique_ptr<LogStore>> Open(const fs::path& dir,
                                                EntryClassifier classifier = nullptr);

  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Appends `entries` in order, durably, and publishes a checkpoint covering them.
  // Returns the index of the first. Not thread-safe against other AppendBatch calls
  // (the Sequencer is the single writer); safe against concurrent readers.
  Result<std::uint64_t> AppendBatch(std::span<const Bytes> entries);

  // The current tree size and signed checkpoint.
  std::uint64_t size() const;
  std::string checkpoint() const;
  const std::string& origin() const { return origin_; }
  const std::string& verifier_key() const { return verifier_key_; }

  // Reads entry `index` (< size()).
  Result<Bytes> ReadEntry(std::uint64_t index) const;
  // Proofs against the tree of `size` (<= size()).
  Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2) const;
  // A C2SP tlog-proof for entry `index` against the current checkpoint, with the entry's
  // bytes in its `extra` line.
  Result<std::string> Receipt(std::uint64_t index) const;

  // Reads a file of the tiles tree (`tile/...`) if it is part of the current tree:
  // BadInput for malformed paths, Failed ("not found") for tiles beyond the tree.
  Result<Bytes> ReadTile(std::string_view path) const;

  // Index lookups.
  Result<std::optional<std::uint64_t>> FindByLeafHash(const Hash& leaf_hash) const;
  Result<std::vector<std::uint64_t>> FindByLabel(const EntryLabel& label) const;
  // Entries of `kind`, newest first.
  Result<std::vector<std::uint64_t>> ListKind(const std::string& kind, std::size_t limit) const;

 private:
  struct State;
  LogStore(fs::path dir, std::string origin, std::string verifier_key);
  Status Recover();
  Status RemoveLeftovers();
  Status CatchUpIndex();
  Result<Hash> ReadSubtreeHash(const State& state, int level, std::uint64_t index) const;
  Result<Bytes> ReadEntryLocked(const State& state, std::uint64_t index) const;
  std::optional<EntryLabel> Classify(ByteView entry) const;

  const fs::path dir_;
  UniqueFd lock_{-1};
  const std::string origin_;
  const std::string verifier_key_;
  EntryClassifier classifier_;
  std::unique_ptr<NoteSigner> signer_;
  std::unique_ptr<EntryIndex> index_;
  mutable std::shared_mutex mutex_;  // guards state_ (files follow it)
  std::unique_ptr<State> state_;
};

}  // namespace vigil::tlog
