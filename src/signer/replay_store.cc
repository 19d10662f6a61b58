#include "signer/replay_store.h"

#include <chrono>

#include "base/sqlite.h"

namespace vigil::signer {

// SQLite, synchronous: every reservation is on disk before the signature exists.
class FileReplayStore : public ReplayStore {
 public:
  explicit FileReplayStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status Reserve(const std::string& key_id, const std::string& build_id) override;
  Status Complete(const std::string& key_id, const std::string& build_id,
                  const std::string& envelope_sha256, std::uint64_t ledger_index) override;
  Status Release(const std::string& key_id, const std::string& build_id) override;
  Result<std::uint64_t> PendingCount() override;

 private:
  std::unique_ptr<SqliteDb> db_;
};

Error AlreadySigned(const std::string& build_id, std::uint64_t ledger_index) {
  return Error::Failed("build " + build_id +
                       " was already signed with this key (the signature record is ledger "
                       "entry " +
                       std::to_string(ledger_index) + "): a receipt is good for one signature");
}

Error UnfinishedSignature(const std::string& build_id) {
  return Error::Failed("build " + build_id +
                       " has an unfinished signature with this key (in progress, or "
                       "interrupted by a crash): refused");
}

namespace {

std::uint64_t NowSeconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

Result<std::unique_ptr<ReplayStore>> ReplayStore::Open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error::Failed("cannot create the state directory " + dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(auto db, SqliteDb::OpenDurable(dir / "signed.db", "replay database"));
  // Every reservation must be on disk before the signature exists.
  VIGIL_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS signed ("
               " key_id TEXT NOT NULL, build_id TEXT NOT NULL,"
               " state TEXT NOT NULL CHECK (state IN ('reserved', 'signed')),"
               " reserved_at INTEGER NOT NULL, envelope_sha256 TEXT, ledger_index INTEGER,"
               " PRIMARY KEY (key_id, build_id))"));
  return std::unique_ptr<ReplayStore>(new FileReplayStore(std::move(db)));
}

Status FileReplayStore::Reserve(const std::string& key_id, const std::string& build_id) {
  SqliteStatement insert(db_->get(),
                         "INSERT INTO signed (key_id, build_id, state, reserved_at)"
                         " VALUES (?, ?, 'reserved', ?)");
  if (!insert.ok()) return db_->LastError("reserve");
  insert.BindText(1, key_id);
  insert.BindText(2, build_id);
  insert.BindInt(3, NowSeconds());
  const int rc = insert.Step();
  if (rc == SQLITE_DONE) return OkStatus();
  if (rc != SQLITE_CONSTRAINT) return db_->LastError("reserve");
  SqliteStatement query(db_->get(),
                        "SELECT state, ledger_index FROM signed WHERE key_id = ? AND build_id = ?");
  if (!query.ok()) return db_->LastError("lookup");
  query.BindText(1, key_id);
  query.BindText(2, build_id);
  if (query.Step() != SQLITE_ROW) return db_->LastError("lookup");
  if (query.ColumnText(0) == "signed") {
    return AlreadySigned(build_id, static_cast<std::uint64_t>(query.ColumnInt(1)));
  }
  return UnfinishedSignature(build_id);
}

Status FileReplayStore::Complete(const std::string& key_id, const std::string& build_id,
                                 const std::string& envelope_sha256, std::uint64_t ledger_index) {
  SqliteStatement update(db_->get(),
                         "UPDATE signed SET state = 'signed', envelope_sha256 = ?,"
                         " ledger_index = ? WHERE key_id = ? AND build_id = ?"
                         " AND state = 'reserved'");
  if (!update.ok()) return db_->LastError("complete");
  update.BindText(1, envelope_sha256);
  update.BindInt(2, ledger_index);
  update.BindText(3, key_id);
  update.BindText(4, build_id);
  if (update.Step() != SQLITE_DONE || sqlite3_changes(db_->get()) != 1) {
    return db_->LastError("complete");
  }
  return OkStatus();
}

Status FileReplayStore::Release(const std::string& key_id, const std::string& build_id) {
  SqliteStatement remove(db_->get(),
                         "DELETE FROM signed WHERE key_id = ? AND build_id = ?"
                         " AND state = 'reserved'");
  if (!remove.ok()) return db_->LastError("release");
  remove.BindText(1, key_id);
  remove.BindText(2, build_id);
  if (remove.Step() != SQLITE_DONE) return db_->LastError("release");
  return OkStatus();
}

Result<std::uint64_t> FileReplayStore::PendingCount() {
  SqliteStatement count(db_->get(), "SELECT COUNT(*) FROM signed WHERE state = 'reserved'");
  if (!count.ok()) return db_->LastError("count");
  VIGIL_ASSIGN_OR_RETURN(auto rows, db_->Integers(count));
  return rows.empty() ? 0 : rows.front();
}

}  // namespace vigil::signer
