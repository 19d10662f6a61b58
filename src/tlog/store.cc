#include "tlog/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <array>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <system_error>

#include "base/file.h"
#include "tlog/checkpoint.h"
#include "tlog/checkpoint_publisher.h"
#include "tlog/entry_index.h"
#include "tlog/note.h"
#include "tlog/prove.h"
#include "tlog/receipt.h"
#include "tlog/tile.h"
#include "tlog/verify.h"

namespace vigil::tlog {
namespace {

constexpr std::uint64_t kTileWidth = kFullTileWidth;
constexpr int kTileLevels = kStoredTileLevels;
constexpr std::uint64_t kMaxKeyFileSize = 4096;
// Entries re-indexed per transaction when the index catches up.
constexpr std::uint64_t kIndexChunk = 4096;

Bytes ConcatHashes(std::span<const Hash> hashes) {
  Bytes out;
  out.reserve(hashes.size() * 32);
  for (const Hash& hash : hashes) {
    out.insert(out.end(), hash.begin(), hash.end());
  }
  return out;
}

Result<std::string> ReadText(const fs::path& path, std::uint64_t max_size) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, max_size, /*allow_symlink=*/false));
  return std::string(bytes.begin(), bytes.end());
}

std::optional<std::string> OptionalLabelPart(const std::optional<EntryLabel>& label,
                                             std::string EntryLabel::*part) {
  return label ? std::optional((*label).*part) : std::nullopt;
}

// What every reader needs before anything is opened: the tiles, the checkpoint and the
// verifier key (a mirror has only these). Each missing piece gets its own advice.
Status CheckLogDirectory(const fs::path& dir) {
  const std::string init = "create one with `vigil log init " + dir.string() + " --origin NAME`";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::BadInput(dir.string() + " is not a directory: give a log directory, or " + init);
  }
  if (!fs::is_directory(dir / "tile", ec)) {
    return Error::BadInput(dir.string() + " is not a log directory (no tile/): " + init);
  }
  if (!fs::exists(dir / "checkpoint", ec)) {
    return Error::BadInput(dir.string() + " is not a log directory (no checkpoint): " + init +
                           ", or copy the log's checkpoint beside its tile/");
  }
  if (!fs::exists(dir / "log.vkey", ec)) {
    return Error::BadInput(dir.string() +
                           " has no log.vkey (the log's verifier key): a copy of a log needs "
                           "tile/, checkpoint and log.vkey");
  }
  return OkStatus();
}

}  // namespace

struct LogStore::State {
  std::uint64_t size = 0;
  Hash root{};  // the checkpoint's root
  CompactRange range;
  // The hashes of the incomplete tile at each tile level (fewer than 256 each).
  std::array<std::vector<Hash>, kTileLevels> partial_tiles;
  // The entries of the incomplete entry bundle.
  std::vector<Bytes> partial_bundle;
  std::string checkpoint;  // the latest signed: the commit point
  // What clients see: the latest checkpoint that was published (with witnesses, cosigned).
  std::uint64_t published_size = 0;
  Hash published_root{};
  std::string published;
};

LogStore::LogStore(fs::path dir, std::string origin, std::string verifier_key,
                   std::unique_ptr<TileStorage> storage, bool read_only)
    : dir_(std::move(dir)),
      read_only_(read_only),
      origin_(std::move(origin)),
      verifier_key_(std::move(verifier_key)),
      storage_(std::move(storage)),
      tiles_(*storage_),
      state_(std::make_unique<State>()) {}

LogStore::~LogStore() = default;

// The longest origin (log name) a log may have; its key file and checkpoints then stay well
// inside the readers' limits (4096 bytes for log.key).
constexpr std::size_t kMaxOriginBytes = 1024;

Status LogStore::Init(const fs::path& dir, const std::string& origin) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Error::BadInput(dir.string() + " exists and is not empty: give a new directory");
  }
  // Bounded before anything is written: a longer origin made a log.key (and checkpoints)
  // that the readers' own limits then refused.
  if (origin.size() > kMaxOriginBytes) {
    return Error::BadInput("the origin is " + std::to_string(origin.size()) + " bytes; at most " +
                           std::to_string(kMaxOriginBytes) +
                           " (a schema-less URL such as example.com/vigil)");
  }
  const bool created = fs::create_directories(dir, ec);
  if (ec) {
    return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
  }
  auto undo = [&](Error error) -> Status {
    if (created) {
      fs::remove_all(dir, ec);
    } else {
      for (const char* name : {"log.key", "log.vkey", "checkpoint", "tile"}) {
        fs::remove_all(dir / name, ec);
      }
    }
    return error;
  };
  fs::create_directory(dir / "tile", ec);
  if (ec) {
    return undo(Error::Failed("cannot create " + (dir / "tile").string() + ": " + ec.message()));
  }
  Status published = CheckpointPublisher::Create(dir, origin);
  if (!published.ok()) {
    return undo(published.error());
  }
  return OkStatus();
}

Result<std::unique_ptr<LogStore>> LogStore::Open(const fs::path& dir, EntryClassifier classifier) {
  VIGIL_RETURN_IF_ERROR(CheckLogDirectory(dir));
  std::error_code ec;
  if (!fs::exists(dir / "log.key", ec)) {
    return Error::BadInput(dir.string() +
                           " has no log.key: only the log's own directory, with its private "
                           "key, can be appended to (a copy of a log can be read: `vigil log "
                           "prove`, `consistency`, `fsck`)");
  }
  UniqueFd lock(::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.get() < 0) {
    return Error::Failed("cannot open " + (dir / "lock").string() + ": " + std::strerror(errno));
  }
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    return Error::Failed("the log " + dir.string() +
                         " is in use by another process (a running vigil-ledger?): read it " +
                         "over HTTP, or stop that process first");
  }
  VIGIL_ASSIGN_OR_RETURN(CheckpointPublisher publisher, CheckpointPublisher::Open(dir));
  std::unique_ptr<LogStore> store(new LogStore(dir, publisher.origin(), publisher.verifier_key(),
                                               std::make_unique<TileFiles>(dir, false),
                                               /*read_only=*/false));
  store->lock_ = std::move(lock);
  store->classifier_ = std::move(classifier);
  store->publisher_ = std::make_unique<CheckpointPublisher>(std::move(publisher));
  VIGIL_ASSIGN_OR_RETURN(store->index_, EntryIndex::Open(dir / "index.db"));
  VIGIL_RETURN_IF_ERROR(store->StartWriter());
  return store;
}

Result<std::unique_ptr<LogStore>> LogStore::OpenBackend(Backend backend,
                                                        EntryClassifier classifier) {
  VIGIL_ASSIGN_OR_RETURN(CheckpointPublisher publisher, CheckpointPublisher::Open(backend.key_dir));
  std::unique_ptr<LogStore> store(new LogStore(backend.where, publisher.origin(),
                                               publisher.verifier_key(), std::move(backend.tiles),
                                               /*read_only=*/false));
  store->classifier_ = std::move(classifier);
  store->publisher_ = std::make_unique<CheckpointPublisher>(std::move(publisher));
  store->index_ = std::move(backend.index);
  VIGIL_RETURN_IF_ERROR(store->StartWriter());
  return store;
}

Result<std::unique_ptr<LogStore>> LogStore::OpenBackendReadOnly(Backend backend) {
  VIGIL_ASSIGN_OR_RETURN(CheckpointPublisher publisher, CheckpointPublisher::Open(backend.key_dir));
  std::unique_ptr<LogStore> store(new LogStore(backend.where, publisher.origin(),
                                               publisher.verifier_key(), std::move(backend.tiles),
                                               /*read_only=*/true));
  store->index_ = std::move(backend.index);
  VIGIL_RETURN_IF_ERROR(store->Recover());
  store->refreshed_ = std::chrono::steady_clock::now();
  return store;
}

Status LogStore::StartWriter() {
  VIGIL_RETURN_IF_ERROR(Recover());
  // An append builds on the right edge only; the last full tile of each level and the last
  // full bundle are checked too, since damage is likeliest in what was written last.
  VIGIL_RETURN_IF_ERROR(CheckLastFullTiles(*state_));
  VIGIL_RETURN_IF_ERROR(tiles_.RemoveBeyond(state_->size));
  return CatchUpIndex();
}

Result<std::unique_ptr<LogStore>> LogStore::OpenReadOnly(const fs::path& dir) {
  VIGIL_RETURN_IF_ERROR(CheckLogDirectory(dir));
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, ReadText(dir / "log.vkey", kMaxKeyFileSize));
  while (!vkey.empty() && vkey.back() == '\n') {
    vkey.pop_back();
  }
  auto verifier = NoteVerifier::Parse(vkey);
  if (!verifier.ok()) {
    return verifier.error().WithContext((dir / "log.vkey").string());
  }
  std::unique_ptr<LogStore> store(new LogStore(dir, verifier->name(), vkey,
                                               std::make_unique<TileFiles>(dir, true),
                                               /*read_only=*/true));
  VIGIL_RETURN_IF_ERROR(store->Recover());
  return store;
}

// Checks a full tile against its hash in the tile above, itself checked the same way, up to
// a partial tile (checked against the checkpoint's root at open). A full tile at level 7
// would need 2^64 leaves, so there is always a level above.
Status LogStore::VerifyFullTile(const State& state, const TileKey& tile,
                                std::map<TileKey, std::vector<Hash>>* verified) const {
  if (verified->contains(tile)) {
    return OkStatus();
  }
  const auto [level, index] = tile;
  const int parent_level = level + 1;
  const std::uint64_t parent_index = index / kTileWidth;
  const std::size_t slot = static_cast<std::size_t>(index % kTileWidth);
  if (parent_level >= kTileLevels) {
    return tiles_.Damaged(TilePath(level, index, 256), "lies beyond any possible tree");
  }
  Hash expected{};
  std::string parent_file;
  if (parent_index < FullTileCount(state.size, parent_level)) {
    const TileKey parent{parent_level, parent_index};
    VIGIL_RETURN_IF_ERROR(VerifyFullTile(state, parent, verified));
    expected = verified->at(parent)[slot];
    parent_file = TilePath(parent_level, parent_index, 256);
  } else {
    const std::vector<Hash>& partial = state.partial_tiles[parent_level];
    if (slot >= partial.size()) {
      return tiles_.Damaged(TilePath(level, index, 256), "is not covered by the checkpoint");
    }
    expected = partial[slot];
    parent_file = TilePath(parent_level, parent_index, static_cast<int>(partial.size()));
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> hashes, tiles_.ReadFullTile(level, index));
  VIGIL_ASSIGN_OR_RETURN(Hash root, SubtreeHashFromTile(hashes, kTileHeight, 0));
  if (root != expected) {
    return tiles_.Damaged(TilePath(level, index, 256), "does not hash to its hash in " +
                                                           parent_file + " (checked up to the " +
                                                           "checkpoint's root)");
  }
  (*verified)[tile] = std::move(hashes);
  return OkStatus();
}

Status LogStore::CheckLastFullTiles(const State& state) const {
  std::map<TileKey, std::vector<Hash>> verified;
  for (int level = kTileLevels - 1; level >= 0; --level) {
    if (const std::uint64_t full = FullTileCount(state.size, level); full > 0) {
      VIGIL_RETURN_IF_ERROR(VerifyFullTile(state, {level, full - 1}, &verified));
    }
  }
  if (const std::uint64_t full = FullTileCount(state.size, 0); full > 0) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<Bytes> entries, tiles_.ReadBundle(full - 1, 256));
    VIGIL_RETURN_IF_ERROR(tiles_.CheckBundle(full - 1, entries, verified.at({0, full - 1}),
                                             TilePath(0, full - 1, 256)));
  }
  return OkStatus();
}

Status LogStore::Recover() {
  VIGIL_ASSIGN_OR_RETURN(state_, LoadState());
  return OkStatus();
}

Result<std::unique_ptr<LogStore::State>> LogStore::LoadState() const {
  VIGIL_ASSIGN_OR_RETURN(std::string note, tiles_.ReadCheckpoint());
  VIGIL_ASSIGN_OR_RETURN(NoteVerifier verifier, NoteVerifier::Parse(verifier_key_));
  auto checkpoint = OpenCheckpoint(note, verifier, origin_);
  if (!checkpoint.ok()) {
    return checkpoint.error().WithContext((dir_ / "checkpoint").string());
  }
  auto loaded = std::make_unique<State>();
  State& state = *loaded;
  state.size = checkpoint->size;
  state.root = checkpoint->root;
  state.checkpoint = note;
  // A checkpoint left unwitnessed by a stop is published as read: verifiers that require
  // witnesses check the cosignatures themselves, and the writer witnesses it again.
  state.published_size = state.size;
  state.published_root = state.root;
  state.published = note;
  std::string edge_files;
  for (int level = 0; level < kTileLevels; ++level) {
    const std::uint64_t nodes = TileLevelNodes(state.size, level);
    const int width = static_cast<int>(nodes % kTileWidth);
    if (width == 0) {
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(state.partial_tiles[level],
                           tiles_.ReadPartialTile(level, nodes / kTileWidth, width));
    edge_files += (edge_files.empty() ? "" : ", ") + TilePath(level, nodes / kTileWidth, width);
  }
  auto range = CompactRange::Resume(state.size, [&](int level, std::uint64_t index) {
    return ReadSubtreeHash(state, level, index);
  });
  if (!range.ok()) {
    return range.error().WithContext("log " + dir_.string() + " is damaged");
  }
  state.range = std::move(range).value();
  if (state.range.Root() != checkpoint->root) {
    return Error::Failed("the log " + dir_.string() + " is damaged: the right edge of its tree (" +
                         edge_files +
                         ") does not hash to the checkpoint's root, so one of these files or "
                         "the checkpoint is damaged; restore them from a good copy of the log");
  }
  if (const int width = static_cast<int>(state.size % kTileWidth); width > 0) {
    const std::uint64_t index = state.size / kTileWidth;
    VIGIL_ASSIGN_OR_RETURN(state.partial_bundle, tiles_.ReadBundle(index, width));
    VIGIL_RETURN_IF_ERROR(tiles_.CheckBundle(index, state.partial_bundle, state.partial_tiles[0],
                                             TilePath(0, index, width)));
  }
  return loaded;
}

Status LogStore::Refresh(std::chrono::milliseconds max_age) {
  if (!read_only_) return OkStatus();  // the writer's state is the storage's
  std::lock_guard refreshing(refresh_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - refreshed_ < max_age) return OkStatus();
  refreshed_ = now;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<State> next, LoadState());
  std::uint64_t size = 0;
  Hash root{};
  {
    std::shared_lock lock(mutex_);
    size = state_->size;
    root = state_->root;
  }
  // The new tree must contain the one served so far: anything else is a log that was rolled
  // back or forked, and the tree served so far stays.
  bool contains = next->size >= size;
  if (contains) {
    std::set<TileKey> used;
    VIGIL_ASSIGN_OR_RETURN(Hash old_root, CheckedRoot(*next, size, TrackingReader(*next, &used)));
    contains = old_root == root;
  }
  if (!contains) {
    return Error::Failed("the log " + dir_.string() + " now has a tree of size " +
                         std::to_string(next->size) + " that does not contain the tree of size " +
                         std::to_string(size) +
                         " served so far: a rolled-back or forked log; still serving the old one");
  }
  std::unique_lock lock(mutex_);
  state_ = std::move(next);
  return OkStatus();
}

std::optional<EntryLabel> LogStore::Classify(ByteView entry) const {
  return classifier_ ? classifier_(entry) : std::nullopt;
}

Status LogStore::CatchUpIndex() {
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t indexed, index_->IndexedSize());
  const State& state = *state_;
  if (indexed > state.size) {
    VIGIL_RETURN_IF_ERROR(index_->Truncate(state.size));
    indexed = state.size;
  }
  while (indexed < state.size) {
    const std::uint64_t end = std::min(state.size, indexed + kIndexChunk);
    std::vector<IndexedEntry> rows;
    for (std::uint64_t i = indexed; i < end; ++i) {
      VIGIL_ASSIGN_OR_RETURN(Bytes entry, ReadEntryLocked(state, i));
      const auto label = Classify(entry);
      rows.push_back({i, LeafHash(entry), OptionalLabelPart(label, &EntryLabel::kind),
                      OptionalLabelPart(label, &EntryLabel::key)});
    }
    VIGIL_RETURN_IF_ERROR(index_->Add(indexed, rows));
    indexed = end;
  }
  return OkStatus();
}

// A batch prepared in memory: the state after it, the files it writes and the index rows
// of its entries. Nothing is on disk yet.
struct LogStore::Batch {
  std::unique_ptr<State> next;
  std::map<std::string, Bytes> files;  // path under the directory -> bytes
  std::vector<std::string> now_full;   // full tiles and bundles whose partials can go
  std::vector<IndexedEntry> rows;
};

LogStore::Batch LogStore::StageBatch(std::span<const Bytes> entries) const {
  // Work on a copy: if any write fails, the published state stays as it was.
  Batch batch{std::make_unique<State>(*state_), {}, {}, {}};
  State& next = *batch.next;
  std::array<bool, kTileLevels> tile_changed{};
  batch.rows.reserve(entries.size());
  for (const Bytes& entry : entries) {
    const Hash leaf = LeafHash(entry);
    const auto label = Classify(entry);
    batch.rows.push_back({next.size, leaf, OptionalLabelPart(label, &EntryLabel::kind),
                          OptionalLabelPart(label, &EntryLabel::key)});
    next.range.Append(leaf, [&](int level, std::uint64_t index, const Hash& hash) {
      if (level % kTileHeight != 0) {
        return;
      }
      const int tile_level = level / kTileHeight;
      auto& tile = next.partial_tiles[tile_level];
      assert(tile.size() == index % kTileWidth);
      tile.push_back(hash);
      tile_changed[tile_level] = true;
      if (tile.size() == kTileWidth) {
        const std::string full = TilePath(tile_level, index / kTileWidth, 256);
        batch.files[full] = ConcatHashes(tile);
        batch.now_full.push_back(full);
        tile.clear();
      }
    });
    next.partial_bundle.push_back(entry);
    if (next.partial_bundle.size() == kTileWidth) {
      const std::string full = EntryBundlePath(next.size / kTileWidth, 256);
      batch.files[full] = EncodeEntryBundle(next.partial_bundle);
      batch.now_full.push_back(full);
      next.partial_bundle.clear();
    }
    ++next.size;
  }
  for (int level = 0; level < kTileLevels; ++level) {
    const auto& tile = next.partial_tiles[level];
    if (tile_changed[level] && !tile.empty()) {
      const std::uint64_t nodes = TileLevelNodes(next.size, level);
      batch.files[TilePath(level, nodes / kTileWidth, static_cast<int>(tile.size()))] =
          ConcatHashes(tile);
    }
  }
  if (!next.partial_bundle.empty()) {
    batch.files[EntryBundlePath(next.size / kTileWidth,
                                static_cast<int>(next.partial_bundle.size()))] =
        EncodeEntryBundle(next.partial_bundle);
  }
  next.root = next.range.Root();
  return batch;
}

Result<std::uint64_t> LogStore::AppendBatch(std::span<const Bytes> entries) {
  if (read_only_) {
    return Error::Failed("the log " + dir_.string() + " was opened read-only");
  }
  for (const Bytes& entry : entries) {
    if (entry.size() > kMaxStoredEntrySize) {
      return Error::BadInput("an entry of " + std::to_string(entry.size()) +
                             " bytes is over the limit of " + std::to_string(kMaxStoredEntrySize));
    }
  }
  const std::uint64_t first = state_->size;
  if (entries.empty()) {
    return first;
  }
  Batch batch = StageBatch(entries);
  // The commit point: the checkpoint covering the batch, committed no earlier than every
  // tile and bundle it covers.
  VIGIL_ASSIGN_OR_RETURN(batch.next->checkpoint,
                         publisher_->Sign(batch.next->size, batch.next->root));
  VIGIL_RETURN_IF_ERROR(
      tiles_.Commit(first, batch.next->size, batch.files, batch.rows, batch.next->checkpoint));
  {
    std::unique_lock lock(mutex_);
    State& next = *batch.next;
    if (cosign_) {
      next.published_size = state_->published_size;
      next.published_root = state_->published_root;
      next.published = state_->published;
    } else {
      next.published_size = next.size;
      next.published_root = next.root;
      next.published = next.checkpoint;
    }
    state_ = std::move(batch.next);
    tiles_.RemovePartials(batch.now_full);
  }
  // The index is derived data: if it fails now, it catches up on the next batch or start.
  Status indexed = tiles_.CommitsIndex() ? OkStatus() : index_->Add(first, batch.rows);
  if (!indexed.ok()) {
    (void)CatchUpIndex();
  }
  if (cosign_) VIGIL_RETURN_IF_ERROR(PublishWitnessed());
  return first;
}

void LogStore::SetCosigning(CheckpointCosigning cosign) { cosign_ = std::move(cosign); }

bool LogStore::Published() const {
  std::shared_lock lock(mutex_);
  return state_->published == state_->checkpoint;
}

Status LogStore::PublishWitnessed() {
  if (!cosign_) return OkStatus();
  std::string note;
  std::uint64_t size = 0;
  Hash root{};
  {
    std::shared_lock lock(mutex_);
    note = state_->checkpoint;
    size = state_->size;
    root = state_->root;
  }
  const ConsistencyProver prove = [this, size](std::uint64_t old_size) {
    return ConsistencyProof(old_size, size);
  };
  VIGIL_ASSIGN_OR_RETURN(std::string cosigned, cosign_(note, size, prove));
  // Witnesses only add signature lines: the same signed checkpoint, with more after it.
  if (cosigned.size() <= note.size() || !cosigned.starts_with(note)) {
    return Error::Failed("the witnesses' answer changed the checkpoint instead of cosigning it");
  }
  VIGIL_RETURN_IF_ERROR(tiles_.ReplaceCheckpoint(size, cosigned));
  std::unique_lock lock(mutex_);
  state_->checkpoint = cosigned;
  state_->published_size = size;
  state_->published_root = root;
  state_->published = std::move(cosigned);
  return OkStatus();
}

std::uint64_t LogStore::size() const {
  std::shared_lock lock(mutex_);
  return state_->published_size;
}

std::string LogStore::checkpoint() const {
  std::shared_lock lock(mutex_);
  return state_->published;
}

Result<Hash> LogStore::ReadSubtreeHash(const State& state, int level, std::uint64_t index) const {
  if (level < 0 || level >= 64 || index >= (state.size >> level)) {
    return Error::Failed("no complete subtree at level " + std::to_string(level) + " index " +
                         std::to_string(index) + " in a tree of size " +
                         std::to_string(state.size));
  }
  const int tile_level = level / kTileHeight;
  const int height = level % kTileHeight;
  const std::uint64_t per_tile = kTileWidth >> height;
  const std::uint64_t tile_index = index / per_tile;
  if (tile_index >= FullTileCount(state.size, tile_level)) {
    return SubtreeHashFromTile(state.partial_tiles[tile_level], height, index % per_tile);
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> hashes, tiles_.ReadFullTile(tile_level, tile_index));
  return SubtreeHashFromTile(hashes, height, index % per_tile);
}

// A reader that also notes which full tiles it read, for Diagnose().
HashReader LogStore::TrackingReader(const State& state, std::set<TileKey>* used) const {
  return [this, &state, used](int level, std::uint64_t index) -> Result<Hash> {
    if (level >= 0 && level < 64 && index < (state.size >> level)) {
      const int tile_level = level / kTileHeight;
      const std::uint64_t tile_index = index / (kTileWidth >> (level % kTileHeight));
      if (tile_index < FullTileCount(state.size, tile_level)) {
        used->insert({tile_level, tile_index});
      }
    }
    return ReadSubtreeHash(state, level, index);
  };
}

// The root of the tree of `size` leaves, checked against the checkpoint: its own root, or
// one computed from the tiles and proven consistent with it.
Result<Hash> LogStore::CheckedRoot(const State& state, std::uint64_t size,
                                   const HashReader& read) const {
  if (size == state.size) {
    return state.root;
  }
  if (size == 0) {
    return EmptyRoot();
  }
  VIGIL_ASSIGN_OR_RETURN(Hash root, TreeRoot(size, read));
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> proof, tlog::ConsistencyProof(size, state.size, read));
  VIGIL_RETURN_IF_ERROR(VerifyConsistency(size, state.size, proof, root, state.root));
  return root;
}

// A proof failed to verify against the checkpoint: finds the damaged file among the tiles
// it was built from (top level first, each checked up to the checkpoint's root) and the
// entry's bundle. Only runs on failure, so the checks cost nothing on the way to a proof.
Error LogStore::Diagnose(const State& state, const std::set<TileKey>& used,
                         std::optional<std::pair<std::uint64_t, ByteView>> entry,
                         const Error& failed) const {
  std::map<TileKey, std::vector<Hash>> verified;
  for (auto tile = used.rbegin(); tile != used.rend(); ++tile) {
    Status ok = VerifyFullTile(state, *tile, &verified);
    if (!ok.ok()) {
      return ok.error();
    }
  }
  if (entry) {
    const auto [index, bytes] = *entry;
    const std::uint64_t bundle = index / kTileWidth;
    const int width = TileWidth(state.size, 0, bundle);
    Hash leaf{};
    if (width < 256) {
      leaf = state.partial_tiles[0][index % kTileWidth];
    } else {
      Status ok = VerifyFullTile(state, {0, bundle}, &verified);
      if (!ok.ok()) {
        return ok.error();
      }
      leaf = verified.at({0, bundle})[index % kTileWidth];
    }
    if (LeafHash(bytes) != leaf) {
      return tiles_.Damaged(EntryBundlePath(bundle, width),
                            "holds entry " + std::to_string(index) +
                                " with bytes that do not match its leaf hash in " +
                                TilePath(0, bundle, width));
    }
  }
  return Error::Failed("the log " + dir_.string() + " is damaged: " + failed.message() +
                       "; `vigil log fsck " + dir_.string() + "` finds the damaged file");
}

Result<Bytes> LogStore::ReadEntryLocked(const State& state, std::uint64_t index) const {
  if (index >= state.size) {
    return Error::BadInput("entry " + std::to_string(index) + " is beyond the tree size " +
                           std::to_string(state.size));
  }
  const std::uint64_t bundle_index = index / kTileWidth;
  if (bundle_index == state.size / kTileWidth) {
    return state.partial_bundle[index % kTileWidth];
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<Bytes> entries, tiles_.ReadBundle(bundle_index, 256));
  return std::move(entries[index % kTileWidth]);
}

Result<Bytes> LogStore::ReadEntry(std::uint64_t index) const {
  std::shared_lock lock(mutex_);
  return ReadEntryLocked(*state_, index);
}

Result<std::vector<Hash>> LogStore::InclusionProof(std::uint64_t index, std::uint64_t size) const {
  std::shared_lock lock(mutex_);
  const State& state = *state_;
  if (size > state.size) {
    return Error::BadInput("tree size " + std::to_string(size) + " is beyond the log's size " +
                           std::to_string(state.size));
  }
  std::set<TileKey> used;
  const HashReader read = TrackingReader(state, &used);
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> proof, tlog::InclusionProof(index, size, read));
  Status verified = [&]() -> Status {
    VIGIL_ASSIGN_OR_RETURN(Hash leaf, read(0, index));
    VIGIL_ASSIGN_OR_RETURN(Hash root, CheckedRoot(state, size, read));
    return VerifyInclusion(index, size, leaf, proof, root);
  }();
  if (!verified.ok()) {
    return Diagnose(state, used, std::nullopt, verified.error());
  }
  return proof;
}

Result<std::vector<Hash>> LogStore::ConsistencyProof(std::uint64_t size1,
                                                     std::uint64_t size2) const {
  std::shared_lock lock(mutex_);
  const State& state = *state_;
  if (size2 > state.size) {
    return Error::BadInput("tree size " + std::to_string(size2) + " is beyond the log's size " +
                           std::to_string(state.size));
  }
  std::set<TileKey> used;
  const HashReader read = TrackingReader(state, &used);
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> proof, tlog::ConsistencyProof(size1, size2, read));
  Status verified = [&]() -> Status {
    VIGIL_ASSIGN_OR_RETURN(Hash root2, CheckedRoot(state, size2, read));
    VIGIL_ASSIGN_OR_RETURN(Hash root1, TreeRoot(size1, read));
    return VerifyConsistency(size1, size2, proof, root1, root2);
  }();
  if (!verified.ok()) {
    return Diagnose(state, used, std::nullopt, verified.error());
  }
  return proof;
}

Result<std::string> LogStore::Receipt(std::uint64_t index) const {
  std::shared_lock lock(mutex_);
  const State& state = *state_;
  if (index >= state.published_size && index < state.size) {
    return Error::Failed("entry " + std::to_string(index) +
                         " is logged but in no published checkpoint yet (the witness policy is "
                         "not met yet); ask again once the witnesses cosign");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes entry, ReadEntryLocked(state, index));
  std::set<TileKey> used;
  const HashReader read = TrackingReader(state, &used);
  const std::uint64_t size = state.published_size;
  VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> proof, tlog::InclusionProof(index, size, read));
  Status verified = VerifyInclusion(index, size, LeafHash(entry), proof, state.published_root);
  if (!verified.ok()) {
    return Diagnose(state, used, std::pair<std::uint64_t, ByteView>(index, entry),
                    verified.error());
  }
  tlog::Receipt receipt;
  receipt.extra = std::move(entry);
  receipt.index = index;
  receipt.proof = std::move(proof);
  receipt.checkpoint = state.published;
  return FormatReceipt(receipt);
}

Result<LogStore::FsckReport> LogStore::Fsck(
    const std::function<void(std::uint64_t entries)>& progress) const {
  std::shared_lock lock(mutex_);
  const State& state = *state_;
  FsckReport report;
  report.size = state.size;
  report.root = state.root;
  // Top level first: each tile is checked against its parent, checked in the pass before
  // (or a partial tile, checked against the root at open). Only the current parent tile is
  // kept, so memory stays small however big the log is.
  for (int level = kTileLevels - 1; level >= 0; --level) {
    const std::uint64_t full = FullTileCount(state.size, level);
    std::optional<std::pair<std::uint64_t, std::vector<Hash>>> parent;
    for (std::uint64_t index = 0; index < full; ++index) {
      const std::uint64_t parent_index = index / kTileWidth;
      const std::size_t slot = static_cast<std::size_t>(index % kTileWidth);
      Hash expected{};
      std::string parent_file;
      if (parent_index < FullTileCount(state.size, level + 1)) {
        if (!parent || parent->first != parent_index) {
          VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> hashes,
                                 tiles_.ReadFullTile(level + 1, parent_index));
          parent.emplace(parent_index, std::move(hashes));
        }
        expected = parent->second[slot];
        parent_file = TilePath(level + 1, parent_index, 256);
      } else {
        const std::vector<Hash>& partial = state.partial_tiles[level + 1];
        expected = partial[slot];
        parent_file = TilePath(level + 1, parent_index, static_cast<int>(partial.size()));
      }
      VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> hashes, tiles_.ReadFullTile(level, index));
      VIGIL_ASSIGN_OR_RETURN(Hash root, SubtreeHashFromTile(hashes, kTileHeight, 0));
      if (root != expected) {
        return tiles_.Damaged(TilePath(level, index, 256),
                              "does not hash to its hash in " + parent_file +
                                  " (checked up to the checkpoint's root)");
      }
      ++report.tiles;
      if (level == 0) {
        VIGIL_ASSIGN_OR_RETURN(std::vector<Bytes> entries, tiles_.ReadBundle(index, 256));
        VIGIL_RETURN_IF_ERROR(tiles_.CheckBundle(index, entries, hashes, TilePath(0, index, 256)));
        ++report.bundles;
        if (progress) {
          progress((index + 1) * kTileWidth);
        }
      }
    }
    if (!state.partial_tiles[level].empty()) {
      ++report.tiles;
    }
  }
  if (!state.partial_bundle.empty()) {
    const std::uint64_t index = state.size / kTileWidth;
    VIGIL_RETURN_IF_ERROR(
        tiles_.CheckBundle(index, state.partial_bundle, state.partial_tiles[0],
                           TilePath(0, index, static_cast<int>(state.partial_bundle.size()))));
    ++report.bundles;
  }
  if (progress) {
    progress(state.size);
  }
  return report;
}

Result<Bytes> LogStore::ReadTile(std::string_view path) const {
  return tiles_.ReadServed(path, size());
}

Status LogStore::NeedIndex() const {
  if (!index_) {
    return Error::Failed("the log " + dir_.string() + " was opened read-only, without its index");
  }
  return OkStatus();
}

Result<std::optional<std::uint64_t>> LogStore::FindByLeafHash(const Hash& leaf_hash) const {
  VIGIL_RETURN_IF_ERROR(NeedIndex());
  return index_->FindByLeafHash(leaf_hash);
}

Result<std::vector<std::uint64_t>> LogStore::FindByLabel(const EntryLabel& label) const {
  VIGIL_RETURN_IF_ERROR(NeedIndex());
  return index_->FindByLabel(label.kind, label.key);
}

Result<std::vector<std::uint64_t>> LogStore::ListKind(const std::string& kind,
                                                      std::size_t limit) const {
  VIGIL_RETURN_IF_ERROR(NeedIndex());
  return index_->ListKind(kind, limit);
}

}  // namespace vigil::tlog
