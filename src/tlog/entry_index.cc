#include "tlog/entry_index.h"

#include <memory>

#include "base/sqlite.h"

namespace vigil::tlog {

EntryIndex::EntryIndex(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
EntryIndex::~EntryIndex() = default;

Result<std::unique_ptr<EntryIndex>> EntryIndex::Open(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(file, "index database"));
  std::unique_ptr<EntryIndex> index(new EntryIndex(std::move(db)));
  // The index is derived from the tiles, so it need not be synced on every commit: WAL
  // with synchronous=NORMAL never corrupts, at worst loses the last transactions, which
  // the store re-indexes at start-up.
  if (Status wal = index->db_->Exec("PRAGMA journal_mode=WAL"); !wal.ok()) {
    const int code = sqlite3_errcode(index->db_->get()) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
      return Error::Failed(file.string() + " is not a valid index (" + wal.error().message() +
                           "): it is derived data; delete it (with index.db-wal and index.db-shm "
                           "if present) and the next open rebuilds it from the tiles");
    }
    return wal.error();
  }
  VIGIL_RETURN_IF_ERROR(index->db_->Exec("PRAGMA synchronous=NORMAL"));
  VIGIL_RETURN_IF_ERROR(
      index->db_->Exec("CREATE TABLE IF NOT EXISTS entries ("
                       " idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, kind TEXT, key TEXT)"));
  VIGIL_RETURN_IF_ERROR(
      index->db_->Exec("CREATE INDEX IF NOT EXISTS entries_leaf ON entries (leaf_hash)"));
  VIGIL_RETURN_IF_ERROR(
      index->db_->Exec("CREATE INDEX IF NOT EXISTS entries_label ON entries (kind, key)"));
  return index;
}

Result<std::uint64_t> EntryIndex::IndexedSize() {
  SqliteStatement statement(db_->get(), "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries");
  if (!statement.ok()) {
    return db_->LastError("size");
  }
  VIGIL_ASSIGN_OR_RETURN(auto rows, db_->Integers(statement));
  return rows.empty() ? 0 : rows.front();
}

Status EntryIndex::Add(std::uint64_t first, const std::vector<IndexedEntry>& entries) {
  VIGIL_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  SqliteStatement statement(
      db_->get(), "INSERT OR REPLACE INTO entries (idx, leaf_hash, kind, key) VALUES (?, ?, ?, ?)");
  if (!statement.ok()) {
    (void)db_->Exec("ROLLBACK");
    return db_->LastError("insert");
  }
  for (const IndexedEntry& entry : entries) {
    if (entry.index < first) {
      continue;
    }
    statement.BindInt(1, entry.index);
    statement.BindBlob(2, entry.leaf_hash);
    statement.BindOptionalText(3, entry.kind);
    statement.BindOptionalText(4, entry.key);
    if (statement.Step() != SQLITE_DONE) {
      Error error = db_->LastError("insert");
      (void)db_->Exec("ROLLBACK");
      return error;
    }
    statement.Reset();
  }
  return db_->Exec("COMMIT");
}

Status EntryIndex::Truncate(std::uint64_t size) {
  SqliteStatement statement(db_->get(), "DELETE FROM entries WHERE idx >= ?");
  if (!statement.ok()) {
    return db_->LastError("truncate");
  }
  statement.BindInt(1, size);
  if (statement.Step() != SQLITE_DONE) {
    return db_->LastError("truncate");
  }
  return OkStatus();
}

Result<std::optional<std::uint64_t>> EntryIndex::FindByLeafHash(const Hash& leaf_hash) {
  SqliteStatement statement(db_->get(),
                            "SELECT idx FROM entries WHERE leaf_hash = ? ORDER BY idx LIMIT 1");
  if (!statement.ok()) {
    return db_->LastError("lookup");
  }
  statement.BindBlob(1, leaf_hash);
  VIGIL_ASSIGN_OR_RETURN(auto rows, db_->Integers(statement));
  if (rows.empty()) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(rows.front());
}

Result<std::vector<std::uint64_t>> EntryIndex::FindByLabel(const std::string& kind,
                                                           const std::string& key) {
  SqliteStatement statement(db_->get(),
                            "SELECT idx FROM entries WHERE kind = ? AND key = ? ORDER BY idx");
  if (!statement.ok()) {
    return db_->LastError("lookup");
  }
  statement.BindText(1, kind);
  statement.BindText(2, key);
  return db_->Integers(statement);
}

Result<std::vector<std::uint64_t>> EntryIndex::ListKind(const std::string& kind,
                                                        std::size_t limit) {
  SqliteStatement statement(db_->get(),
                            "SELECT idx FROM entries WHERE kind = ? ORDER BY idx DESC LIMIT ?");
  if (!statement.ok()) {
    return db_->LastError("list");
  }
  statement.BindText(1, kind);
  statement.BindInt(2, limit);
  return db_->Integers(statement);
}

}  // namespace vigil::tlog
