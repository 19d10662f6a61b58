#include "pg/log_storage.h"

#include <mutex>
#include <system_error>

#include "base/file.h"
#include "base/hex.h"
#include "pg/lease.h"
#include "pg/lease_fence.h"
#include "pg/log_index.h"
#include "pg/session.h"
#include "tlog/checkpoint_publisher.h"
#include "tlog/tile.h"

namespace vigil::pg {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxCheckpointSize = 64 * 1024;

constexpr const char* kLogSchema =
    "CREATE TABLE IF NOT EXISTS log_checkpoint ("
    " id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL CHECK (size >= 0),"
    " note text NOT NULL);"
    // Tiles are hashes and entry bundles written once, stored out of line and compressed
    // with lz4: the bundles' text shrinks several times, so less is written and logged
    // (pglz spent more than the insert itself on every batch; lz4 gains more than it costs).
    "CREATE TABLE IF NOT EXISTS log_tiles (path text PRIMARY KEY,"
    " data bytea COMPRESSION lz4 NOT NULL);"
    "CREATE TABLE IF NOT EXISTS log_entries ("
    " idx bigint PRIMARY KEY CHECK (idx >= 0), leaf_hash bytea NOT NULL, kind text, key text);"
    "CREATE INDEX IF NOT EXISTS log_entries_leaf ON log_entries (leaf_hash);"
    "CREATE INDEX IF NOT EXISTS log_entries_label ON log_entries (kind, key);"
    // The partial versions of each tile, found by the tile's own path when it is full (a
    // LIKE over the whole table grew with the log).
    "CREATE INDEX IF NOT EXISTS log_tiles_partials ON log_tiles ((split_part(path, '.p/', 1)))"
    " WHERE path LIKE '%.p/%'";

std::string ByteaText(ByteView bytes) { return "\\x" + HexEncode(bytes); }

class PgTileStorage : public tlog::TileStorage {
 public:
  PgTileStorage(std::unique_ptr<Connection> reader, std::unique_ptr<Connection> writer,
                std::int64_t epoch)
      : reader_(std::move(reader)), writer_(std::move(writer)), epoch_(epoch) {}

  Error Damaged(const std::string& file, const std::string& what) const override {
    return Error::Failed("the log in " + reader_->description() + " is damaged: " + file + " " +
                         what + "; restore the database from a good backup");
  }
  Result<std::vector<tlog::Hash>> ReadFullTile(int level, std::uint64_t index) const override;
  Result<std::vector<tlog::Hash>> ReadPartialTile(int level, std::uint64_t index,
                                                  int width) const override;
  Result<std::vector<Bytes>> ReadBundle(std::uint64_t index, int width) const override;
  Result<Bytes> ReadServed(std::string_view path, std::uint64_t size) const override;
  Result<std::string> ReadCheckpoint() const override;
  Status Commit(std::uint64_t old_size, std::uint64_t new_size,
                const std::map<std::string, Bytes>& files, std::span<const tlog::IndexedEntry> rows,
                const std::string& checkpoint) override;
  Status ReplaceCheckpoint(std::uint64_t size, const std::string& note) override;
  bool CommitsIndex() const override { return true; }
  void RemovePartials(std::span<const std::string> full_paths) const override;
  // Tiles commit with their checkpoint: nothing ever lies beyond it. (Deleting by this
  // store's size could delete what a newer sequencer committed.)
  Status RemoveBeyond(std::uint64_t) const override { return OkStatus(); }

 private:
  // The bytes at `path`, or nullopt when there is no such row.
  Result<std::optional<Bytes>> Read(const std::string& path) const;
  Result<Bytes> ReadRequired(const std::string& path) const;
  Status NeedLease() const;

  mutable std::mutex reader_mutex_;
  std::unique_ptr<Connection> reader_;
  std::unique_ptr<Connection> writer_;  // the sequencer's thread only
  const std::int64_t epoch_;
};

Result<std::optional<Bytes>> PgTileStorage::Read(const std::string& path) const {
  std::lock_guard lock(reader_mutex_);
  const auto read = [&]() -> Result<std::optional<Bytes>> {
    pqxx::work work(*reader_->impl().conn);
    const pqxx::result rows = work.exec_params("SELECT data FROM log_tiles WHERE path = $1", path);
    if (rows.empty()) {
      return std::optional<Bytes>();
    }
    return std::optional<Bytes>(FromBinary(rows[0][0]));
  };
  auto bytes = Guard(*reader_, "reading " + path, read);
  // A session the server dropped (a restart) is found broken by this read: a read is
  // idempotent, so it is made again on a new session rather than failing one reader.
  if (!bytes.ok() && reader_->broken()) bytes = Guard(*reader_, "reading " + path, read);
  return bytes;
}

Result<Bytes> PgTileStorage::ReadRequired(const std::string& path) const {
  VIGIL_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, Read(path));
  if (!bytes) {
    return Damaged(path, "is missing (the checkpoint covers it)");
  }
  return std::move(*bytes);
}

Result<std::vector<tlog::Hash>> PgTileStorage::ReadFullTile(int level, std::uint64_t index) const {
  const std::string path = tlog::TilePath(level, index, 256);
  VIGIL_ASSIGN_OR_RETURN(Bytes tile, ReadRequired(path));
  auto hashes = tlog::DecodeHashTile(tile, 256);
  if (!hashes.ok()) {
    return Damaged(path, "is malformed: " + hashes.error().message());
  }
  return hashes;
}

Result<std::vector<tlog::Hash>> PgTileStorage::ReadPartialTile(int level, std::uint64_t index,
                                                               int width) const {
  const std::string path = tlog::TilePath(level, index, width);
  VIGIL_ASSIGN_OR_RETURN(std::optional<Bytes> tile, Read(path));
  if (!tile) {
    // The sequencer completed the tile since our checkpoint, and deleted the partial one.
    VIGIL_ASSIGN_OR_RETURN(std::vector<tlog::Hash> full, ReadFullTile(level, index));
    full.resize(static_cast<std::size_t>(width));
    return full;
  }
  auto hashes = tlog::DecodeHashTile(*tile, width);
  if (!hashes.ok()) {
    return Damaged(path, "is malformed: " + hashes.error().message());
  }
  return hashes;
}

Result<std::vector<Bytes>> PgTileStorage::ReadBundle(std::uint64_t index, int width) const {
  std::string path = tlog::EntryBundlePath(index, width);
  VIGIL_ASSIGN_OR_RETURN(std::optional<Bytes> bundle, Read(path));
  int stored_width = width;
  if (!bundle && width < 256) {
    path = tlog::EntryBundlePath(index, 256);
    stored_width = 256;
    VIGIL_ASSIGN_OR_RETURN(bundle, Read(path));
  }
  if (!bundle) {
    return Damaged(path, "is missing (the checkpoint covers it)");
  }
  auto entries = tlog::DecodeEntryBundle(*bundle, static_cast<std::size_t>(stored_width));
  if (!entries.ok()) {
    return Damaged(path, "is malformed: " + entries.error().message());
  }
  entries->resize(static_cast<std::size_t>(width));
  return entries;
}

Result<Bytes> PgTileStorage::ReadServed(std::string_view path, std::uint64_t size) const {
  VIGIL_ASSIGN_OR_RETURN(tlog::TileRef ref, tlog::ServedTile(path, size));
  (void)ref;
  VIGIL_ASSIGN_OR_RETURN(std::optional<Bytes> bytes, Read(std::string(path)));
  if (!bytes) {
    return Error::Failed("not found: " + std::string(path));
  }
  return std::move(*bytes);
}

Result<std::string> PgTileStorage::ReadCheckpoint() const {
  std::lock_guard lock(reader_mutex_);
  return Guard(*reader_, "reading the checkpoint", [&]() -> Result<std::string> {
    pqxx::work work(*reader_->impl().conn);
    const pqxx::result rows = work.exec("SELECT note FROM log_checkpoint WHERE id = 1");
    if (rows.empty()) {
      return Error::BadInput("the database " + reader_->description() +
                             " holds no log: create one with `vigil log init --database URL`");
    }
    std::string note = rows[0][0].as<std::string>();
    if (note.size() > kMaxCheckpointSize) {
      return Damaged("the checkpoint", "is over " + std::to_string(kMaxCheckpointSize) + " bytes");
    }
    return note;
  });
}

Status PgTileStorage::NeedLease() const {
  if (epoch_ <= 0) {
    return Error::Failed("the log in " + writer_->description() +
                         " was opened without the sequencer lease: it cannot be appended to");
  }
  return OkStatus();
}

// The batch's tiles and bundles for one INSERT: their paths, and their bytes end to end in
// one binary parameter with each one's offset and length (a hex bytea[] literal of the
// megabytes a batch writes took longer to build and to parse than the insert itself); and
// the full tiles whose partial versions (`FULL.p/W`) it makes obsolete, for one DELETE.
struct BatchArrays {
  std::string paths, offsets, lengths, obsolete_partials;
  Bytes data;
};

BatchArrays ToArrays(const std::map<std::string, Bytes>& files) {
  std::vector<std::optional<std::string>> paths, offsets, lengths, partials;
  BatchArrays arrays;
  std::size_t total = 0;
  for (const auto& [path, bytes] : files) total += bytes.size();
  arrays.data.reserve(total);
  for (const auto& [path, bytes] : files) {
    paths.emplace_back(path);
    offsets.emplace_back(std::to_string(arrays.data.size() + 1));  // substring() counts from 1
    lengths.emplace_back(std::to_string(bytes.size()));
    arrays.data.insert(arrays.data.end(), bytes.begin(), bytes.end());
    if (path.find(".p/") == std::string::npos) partials.emplace_back(path);
  }
  arrays.paths = TextArray(paths);
  arrays.offsets = TextArray(offsets);
  arrays.lengths = TextArray(lengths);
  arrays.obsolete_partials = TextArray(partials);
  return arrays;
}

// The batch's index rows, streamed with COPY (a batch holds up to 16384: COPY parses them
// several times faster than an INSERT over unnested arrays).
void CopyIndexRows(pqxx::work& work, std::span<const tlog::IndexedEntry> rows) {
  pqxx::stream_to copy(work, "log_entries",
                       std::vector<std::string>{"idx", "leaf_hash", "kind", "key"});
  for (const tlog::IndexedEntry& row : rows) {
    copy << std::make_tuple(static_cast<long long>(row.index), ByteaText(row.leaf_hash), row.kind,
                            row.key);
  }
  copy.complete();
}

Status PgTileStorage::Commit(std::uint64_t old_size, std::uint64_t new_size,
                             const std::map<std::string, Bytes>& files,
                             std::span<const tlog::IndexedEntry> rows,
                             const std::string& checkpoint) {
  VIGIL_RETURN_IF_ERROR(NeedLease());
  const BatchArrays arrays = ToArrays(files);
  return Guard(*writer_, "appending to the log", [&]() -> Status {
    pqxx::work work(*writer_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, epoch_));
    const pqxx::result moved = work.exec_params(
        "UPDATE log_checkpoint SET size = $1, note = $2 WHERE id = 1 AND size = $3 RETURNING id",
        static_cast<long long>(new_size), checkpoint, static_cast<long long>(old_size));
    if (moved.empty()) {
      return Error::Failed("the log in " + writer_->description() + " is no longer at size " +
                           std::to_string(old_size) +
                           " (another sequencer appended): nothing was appended; reopen the log");
    }
    // Readers asking for a deleted partial tile read the full one (tlog-tiles allows it).
    work.exec_params(
        "DELETE FROM log_tiles WHERE path LIKE '%.p/%' AND split_part(path, '.p/', 1) = ANY "
        "($1::text[])",
        arrays.obsolete_partials);
    work.exec_params(
        "INSERT INTO log_tiles (path, data) SELECT path, substring($2::bytea FROM o FOR n)"
        " FROM unnest($1::text[], $3::int[], $4::int[]) AS t(path, o, n)"
        " ON CONFLICT (path) DO UPDATE SET data = excluded.data",
        arrays.paths, Binary(arrays.data), arrays.offsets, arrays.lengths);
    CopyIndexRows(work, rows);
    work.commit();
    return OkStatus();
  });
}

Status PgTileStorage::ReplaceCheckpoint(std::uint64_t size, const std::string& note) {
  VIGIL_RETURN_IF_ERROR(NeedLease());
  return Guard(*writer_, "publishing the cosigned checkpoint", [&]() -> Status {
    pqxx::work work(*writer_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, epoch_));
    const pqxx::result replaced = work.exec_params(
        "UPDATE log_checkpoint SET note = $1 WHERE id = 1 AND size = $2 RETURNING id", note,
        static_cast<long long>(size));
    if (replaced.empty()) {
      return Error::Failed("the log in " + writer_->description() + " is no longer at size " +
                           std::to_string(size) + ": reopen the log");
    }
    work.commit();
    return OkStatus();
  });
}

void PgTileStorage::RemovePartials(std::span<const std::string>) const {
  // Commit deleted them with the batch that made their tiles full: one transaction (and one
  // WAL flush) a batch instead of two.
}

Result<std::unique_ptr<Connection>> OpenSession(const SessionSettings& session) {
  return Connection::Open(session);
}

// The tables and the empty tree's checkpoint, in one transaction: all or nothing.
Status CreateLogTables(Connection& connection, const std::string& note) {
  return Guard(connection, "creating the log's tables", [&]() -> Status {
    pqxx::work work(*connection.impl().conn);
    work.exec("SELECT pg_advisory_xact_lock(7105461)");
    CreateLeaseTable(work);
    work.exec(kLogSchema);
    const pqxx::result made = work.exec_params(
        "INSERT INTO log_checkpoint (id, size, note) VALUES (1, 0, $1)"
        " ON CONFLICT (id) DO NOTHING RETURNING id",
        note);
    if (made.empty()) {
      return Error::BadInput("the database " + connection.description() +
                             " already holds a log: give an empty database");
    }
    work.commit();
    return OkStatus();
  });
}

// Makes `dir` (absent or empty) and the key in it; `undo` removes what this made.
Status CreateKeyDir(const fs::path& dir, const std::string& origin, bool* created) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Error::BadInput(dir.string() +
                           " exists and is not empty: give a new directory for the log's key");
  }
  *created = fs::create_directories(dir, ec);
  if (ec) {
    return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
  }
  return tlog::CheckpointPublisher::Create(dir, origin);
}

void RemoveKeyDir(const fs::path& dir, bool created) {
  std::error_code ec;
  if (created) {
    fs::remove_all(dir, ec);
    return;
  }
  for (const char* name : {"log.key", "log.vkey", "checkpoint"}) {
    fs::remove(dir / name, ec);
  }
}

}  // namespace

Status InitLog(const SessionSettings& session, const fs::path& key_dir, const std::string& origin) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(session));
  VIGIL_ASSIGN_OR_RETURN(bool holds, HoldsLog(session));
  if (holds) {
    return Error::BadInput("the database " + connection->description() +
                           " already holds a log: give an empty database");
  }
  bool created = false;
  Status made = [&]() -> Status {
    VIGIL_RETURN_IF_ERROR(CreateKeyDir(key_dir, origin, &created));
    // The key's files stay; the empty tree's checkpoint moves into the database.
    VIGIL_ASSIGN_OR_RETURN(Bytes note, ReadFile(key_dir / "checkpoint", kMaxCheckpointSize, false));
    VIGIL_RETURN_IF_ERROR(CreateLogTables(*connection, std::string(note.begin(), note.end())));
    std::error_code ec;
    fs::remove(key_dir / "checkpoint", ec);
    return OkStatus();
  }();
  if (!made.ok()) {
    RemoveKeyDir(key_dir, created);
  }
  return made;
}

Status InitLogWithKey(const SessionSettings& session, const fs::path& key_dir) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(session));
  VIGIL_ASSIGN_OR_RETURN(tlog::CheckpointPublisher publisher,
                         tlog::CheckpointPublisher::Open(key_dir));
  VIGIL_ASSIGN_OR_RETURN(std::string note, publisher.Sign(0, tlog::EmptyRoot()));
  return CreateLogTables(*connection, note);
}

Status DropLog(const SessionSettings& session, bool lease_too) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(session));
  return connection->Exec(
      std::string("DROP TABLE IF EXISTS log_entries, log_tiles, log_checkpoint") +
      (lease_too ? ", lease" : ""));
}

Result<tlog::LogStore::Backend> OpenLogBackend(const SessionSettings& session,
                                               const fs::path& key_dir, std::int64_t epoch) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> reader, OpenSession(session));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer, OpenSession(session));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> index, OpenSession(session));
  tlog::LogStore::Backend backend;
  backend.where = reader->description();
  backend.key_dir = key_dir;
  backend.tiles = std::make_unique<PgTileStorage>(std::move(reader), std::move(writer), epoch);
  backend.index = MakeLogIndex(std::move(index));
  return backend;
}

Result<bool> HoldsLog(const SessionSettings& session) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, OpenSession(session));
  return Guard(*connection, "looking for a log", [&]() -> Result<bool> {
    pqxx::work work(*connection->impl().conn);
    const pqxx::row row = work.exec1("SELECT to_regclass('log_checkpoint') IS NOT NULL");
    if (!row[0].as<bool>()) {
      return false;
    }
    return !work.exec("SELECT 1 FROM log_checkpoint WHERE id = 1").empty();
  });
}

}  // namespace vigil::pg
