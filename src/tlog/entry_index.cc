#include "tlog/entry_index.h"

#include <sqlite3.h>

#include <memory>

namespace vigil::tlog {
namespace {

Error SqliteError(sqlite3* db, const std::string& what) {
  return Error::Failed("index database: " + what + ": " + sqlite3_errmsg(db));
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() { return stmt_; }
  void BindInt(int column, std::uint64_t value) {
    sqlite3_bind_int64(stmt_, column, static_cast<sqlite3_int64>(value));
  }
  void BindBlob(int column, const Hash& hash) {
    sqlite3_bind_blob(stmt_, column, hash.data(), static_cast<int>(hash.size()), SQLITE_STATIC);
  }
  void BindText(int column, const std::optional<std::string>& text) {
    if (text) {
      sqlite3_bind_text(stmt_, column, text->data(), static_cast<int>(text->size()),
                        SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt_, column);
    }
  }
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::uint64_t ColumnInt(int column) {
    return static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, column));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Runs a query whose rows are single integers.
Result<std::vector<std::uint64_t>> Integers(sqlite3* db, Statement& statement) {
  std::vector<std::uint64_t> out;
  for (;;) {
    int rc = statement.Step();
    if (rc == SQLITE_DONE) {
      return out;
    }
    if (rc != SQLITE_ROW) {
      return SqliteError(db, "query");
    }
    out.push_back(statement.ColumnInt(0));
  }
}

}  // namespace

Result<std::unique_ptr<EntryIndex>> EntryIndex::Open(const std::filesystem::path& file) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error::Failed("cannot open the index database " + file.string() + ": " + message);
  }
  std::unique_ptr<EntryIndex> index(new EntryIndex(db));
  sqlite3_busy_timeout(db, 5000);
  // The index is derived from the tiles, so it need not be synced on every commit: WAL
  // with synchronous=NORMAL never corrupts, at worst loses the last transactions, which
  // the store re-indexes at start-up.
  VIGIL_RETURN_IF_ERROR(index->Exec("PRAGMA journal_mode=WAL"));
  VIGIL_RETURN_IF_ERROR(index->Exec("PRAGMA synchronous=NORMAL"));
  VIGIL_RETURN_IF_ERROR(
      index->Exec("CREATE TABLE IF NOT EXISTS entries ("
                  " idx INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL, kind TEXT, key TEXT)"));
  VIGIL_RETURN_IF_ERROR(
      index->Exec("CREATE INDEX IF NOT EXISTS entries_leaf ON entries (leaf_hash)"));
  VIGIL_RETURN_IF_ERROR(
      index->Exec("CREATE INDEX IF NOT EXISTS entries_label ON entries (kind, key)"));
  return index;
}

EntryIndex::~EntryIndex() { sqlite3_close(db_); }

Status EntryIndex::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Error::Failed(std::string("index database: ") + sql + ": " + text);
  }
  return OkStatus();
}

Result<std::uint64_t> EntryIndex::IndexedSize() {
  Statement statement(db_, "SELECT COALESCE(MAX(idx) + 1, 0) FROM entries");
  if (!statement.ok()) {
    return SqliteError(db_, "size");
  }
  VIGIL_ASSIGN_OR_RETURN(auto rows, Integers(db_, statement));
  return rows.empty() ? 0 : rows.front();
}

Status EntryIndex::Add(std::uint64_t first, const std::vector<IndexedEntry>& entries) {
  VIGIL_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Statement statement(
      db_, "INSERT OR REPLACE INTO entries (idx, leaf_hash, kind, key) VALUES (?, ?, ?, ?)");
  if (!statement.ok()) {
    (void)Exec("ROLLBACK");
    return SqliteError(db_, "insert");
  }
  for (const IndexedEntry& entry : entries) {
    if (entry.index < first) {
      continue;
    }
    statement.BindInt(1, entry.index);
    statement.BindBlob(2, entry.leaf_hash);
    statement.BindText(3, entry.kind);
    statement.BindText(4, entry.key);
    if (statement.Step() != SQLITE_DONE) {
      Error error = SqliteError(db_, "insert");
      (void)Exec("ROLLBACK");
      return error;
    }
    statement.Reset();
  }
  return Exec("COMMIT");
}

Status EntryIndex::Truncate(std::uint64_t size) {
  Statement statement(db_, "DELETE FROM entries WHERE idx >= ?");
  if (!statement.ok()) {
    return SqliteError(db_, "truncate");
  }
  statement.BindInt(1, size);
  if (statement.Step() != SQLITE_DONE) {
    return SqliteError(db_, "truncate");
  }
  return OkStatus();
}

Result<std::optional<std::uint64_t>> EntryIndex::FindByLeafHash(const Hash& leaf_hash) {
  Statement statement(db_, "SELECT idx FROM entries WHERE leaf_hash = ? ORDER BY idx LIMIT 1");
  if (!statement.ok()) {
    return SqliteError(db_, "lookup");
  }
  statement.BindBlob(1, leaf_hash);
  VIGIL_ASSIGN_OR_RETURN(auto rows, Integers(db_, statement));
  if (rows.empty()) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(rows.front());
}

Result<std::vector<std::uint64_t>> EntryIndex::FindByLabel(const std::string& kind,
                                                           const std::string& key) {
  Statement statement(db_, "SELECT idx FROM entries WHERE kind = ? AND key = ? ORDER BY idx");
  if (!statement.ok()) {
    return SqliteError(db_, "lookup");
  }
  statement.BindText(1, kind);
  statement.BindText(2, key);
  return Integers(db_, statement);
}

Result<std::vector<std::uint64_t>> EntryIndex::ListKind(const std::string& kind,
                                                        std::size_t limit) {
  Statement statement(db_, "SELECT idx FROM entries WHERE kind = ? ORDER BY idx DESC LIMIT ?");
  if (!statement.ok()) {
    return SqliteError(db_, "list");
  }
  statement.BindText(1, kind);
  statement.BindInt(2, limit);
  return Integers(db_, statement);
}

}  // namespace vigil::tlog
