// The durable log: entries and Merkle hashes in the C2SP tlog-tiles layout under a
// directory, a signed checkpoint, and an SQLite index for lookups. LogStore keeps the tree
// (its right edge, proofs, damage diagnosis) and composes the three parts the way Tessera
// separates them: a TileStorage (tiles and the checkpoint, the commit point: TileFiles in a
// directory, or PostgreSQL through OpenBackend), CheckpointPublisher (the key) and a
// LogIndex (derived lookups: EntryIndex, SQLite, beside a directory).
//
// Directory layout:
//   log.key         the checkpoint signing key (note private key text, mode 0600)
//   log.vkey        its verifier key
//   checkpoint      the latest signed checkpoint: the commit point of every append
//   tile/...        hash tiles and entry bundles (https://c2sp.org/tlog-tiles)
//   index.db        SQLite: leaf hash and (kind, key) of every entry, derived data
//   lock            flock(2)ed by the one process that has the log open for writing
//
// Crash safety: a batch's bundles and tiles are written (temp, fsync, rename) before the
// checkpoint that covers them is replaced atomically, so an entry is durable before any
// checkpoint covers it. Files beyond the checkpoint are leftovers of an interrupted batch:
// Open() ignores them and later appends overwrite them. The index is rebuilt from the
// tiles for whatever it misses.
//
// Trust: everything read is checked against the signed checkpoint before it is used. Opening
// checks the checkpoint's signature and that the right edge of the tree (the partial tiles
// and bundle) hashes to its root; the writer also checks the last full tile of every level
// and the last full bundle, which is all an append builds on (O(log n), never the whole log).
// Every proof and receipt is verified against the checkpoint's root before it is returned,
// and a failure names the damaged file. Fsck() checks every file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "tlog/hash.h"
#include "tlog/log_index.h"
#include "tlog/prove.h"
#include "tlog/tile_files.h"
#include "tlog/tile_storage.h"

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

class CheckpointPublisher;

// The consistency proof from the tree of `old_size` to the checkpoint being cosigned.
using ConsistencyProver = std::function<Result<std::vector<Hash>>(std::uint64_t old_size)>;
// Asks witnesses to cosign the log's signed checkpoint `note` of a tree of `size`: returns
// the note with their cosignature lines added once the witness policy is met, an error
// ("witness policy not met") when it is not met in time.
using CheckpointCosigning = std::function<Result<std::string>(
    const std::string& note, std::uint64_t size, const ConsistencyProver& prove)>;

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

  // Opens a log only to read it: needs `checkpoint`, `log.vkey` and `tile/` (what a mirror
  // copies), never log.key, the lock or the index, and writes nothing, so it works on a
  // read-only directory and beside a running writer (a partial tile or bundle that the
  // writer completed meanwhile is read from its full one). The checkpoint is verified with
  // log.vkey. AppendBatch and the index lookups fail.
  static Result<std::unique_ptr<LogStore>> OpenReadOnly(const fs::path& dir);

  // A log whose tiles, checkpoint and index live elsewhere than in a directory (PostgreSQL:
  // pg/log_storage.h), with its key still in the files `key_dir`/log.key and log.vkey.
  struct Backend {
    std::string where;  // names the log in messages (a redacted database URL)
    fs::path key_dir;
    std::unique_ptr<TileStorage> tiles;
    std::unique_ptr<LogIndex> index;
  };
  // Opens such a log for appending, as Open() opens a directory; the backend keeps writers
  // apart (PostgreSQL: the sequencer lease's epoch, checked by every commit), not a lock.
  static Result<std::unique_ptr<LogStore>> OpenBackend(Backend backend,
                                                       EntryClassifier classifier = nullptr);

  // Opens such a log to read it beside its writer elsewhere (a standby ledger): AppendBatch
  // fails; the index is the backend's; Refresh() follows the writer.
  static Result<std::unique_ptr<LogStore>> OpenBackendReadOnly(Backend backend);
  // A read-only store: reads the storage's latest checkpoint, unless it did within
  // `max_age`, and serves its tree from now on once the tree served so far is proven to be
  // contained in it (Failed, and the old tree kept, for a rolled-back or forked log). The
  // writer's store does nothing.
  Status Refresh(std::chrono::milliseconds max_age);

  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Appends `entries` in order, durably, and publishes a checkpoint covering them.
  // Returns the index of the first. Not thread-safe against other AppendBatch calls
  // (the Sequencer is the single writer); safe against concurrent readers.
  // With witnesses (SetCosigning), the log commits to the signed checkpoint of the batch
  // first (it can never sign another tree of that size), then publishes it once cosigned:
  // when that fails, the entries stay in the tree, unpublished, and the error is returned.
  Result<std::uint64_t> AppendBatch(std::span<const Bytes> entries);

  // Witnesses for every checkpoint from now on; set before the first append.
  void SetCosigning(CheckpointCosigning cosign);
  // Whether the latest signed checkpoint is the published one.
  bool Published() const;
  // Has the latest signed checkpoint cosigned and publishes it (the writer's thread only:
  // the Sequencer retries with it while the log is unpublished).
  Status PublishWitnessed();

  // The tree size and checkpoint clients see: the published (with witnesses, cosigned) one.
  std::uint64_t size() const;
  std::string checkpoint() const;
  const std::string& origin() const { return origin_; }
  const std::string& verifier_key() const { return verifier_key_; }

  // Reads entry `index` (< size()), as stored: not checked against its leaf hash.
  Result<Bytes> ReadEntry(std::uint64_t index) const;
  // Proofs against the tree of `size` (<= size()), verified against the checkpoint (for a
  // smaller size, through a consistency proof to it) before they are returned.
  Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size) const;
  Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2) const;
  // A C2SP tlog-proof for entry `index` against the current checkpoint, with the entry's
  // bytes in its `extra` line; the entry and its proof are verified against the
  // checkpoint's root first.
  Result<std::string> Receipt(std::uint64_t index) const;

  // Verifies the whole log against its signed checkpoint: every full hash tile against its
  // hash in the tile above (up to the right edge, checked against the root at open) and
  // every entry against its leaf hash. Failed naming the first damaged or missing file,
  // top level first. `progress` (may be empty) is called with the entries checked so far.
  struct FsckReport {
    std::uint64_t size = 0;
    Hash root{};
    std::uint64_t tiles = 0;    // hash tiles checked, full and partial
    std::uint64_t bundles = 0;  // entry bundles checked, full and partial
  };
  Result<FsckReport> Fsck(const std::function<void(std::uint64_t entries)>& progress = {}) const;

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
  struct Batch;
  using TileKey = std::pair<int, std::uint64_t>;  // (tile level, tile index) of a full tile
  LogStore(fs::path dir, std::string origin, std::string verifier_key,
           std::unique_ptr<TileStorage> storage, bool read_only);
  Status StartWriter();
  Status Recover();
  Result<std::unique_ptr<State>> LoadState() const;
  Status CheckLastFullTiles(const State& state) const;
  Status CatchUpIndex();
  Batch StageBatch(std::span<const Bytes> entries) const;
  Status VerifyFullTile(const State& state, const TileKey& tile,
                        std::map<TileKey, std::vector<Hash>>* verified) const;
  Result<Hash> CheckedRoot(const State& state, std::uint64_t size, const HashReader& read) const;
  HashReader TrackingReader(const State& state, std::set<TileKey>* used) const;
  Error Diagnose(const State& state, const std::set<TileKey>& used,
                 std::optional<std::pair<std::uint64_t, ByteView>> entry,
                 const Error& failed) const;
  Result<Hash> ReadSubtreeHash(const State& state, int level, std::uint64_t index) const;
  Result<Bytes> ReadEntryLocked(const State& state, std::uint64_t index) const;
  Status NeedIndex() const;
  std::optional<EntryLabel> Classify(ByteView entry) const;

  const fs::path dir_;
  const bool read_only_;
  UniqueFd lock_{-1};
  const std::string origin_;
  const std::string verifier_key_;
  EntryClassifier classifier_;
  std::unique_ptr<TileStorage> storage_;
  TileStorage& tiles_;                              // *storage_: files or a database
  std::unique_ptr<CheckpointPublisher> publisher_;  // none when read-only
  std::unique_ptr<LogIndex> index_;                 // none when read-only
  CheckpointCosigning cosign_;                      // none: published once signed
  mutable std::shared_mutex mutex_;                 // guards state_ (files follow it)
  std::unique_ptr<State> state_;
  std::mutex refresh_mutex_;  // one Refresh() at a time
  std::chrono::steady_clock::time_point refreshed_;
};

}  // namespace vigil::tlog
