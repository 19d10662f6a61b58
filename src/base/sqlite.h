// A thin owner of an SQLite connection and its prepared statements, shared by every module
// that keeps state in SQLite (library vigil_sqlite).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil {

// A prepared statement that finalizes itself. Bound text and blobs are copied.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  void BindInt(int column, std::uint64_t value) {
    sqlite3_bind_int64(stmt_, column, static_cast<sqlite3_int64>(value));
  }
  void BindBlob(int column, ByteView bytes) {
    sqlite3_bind_blob(stmt_, column, bytes.data(), static_cast<int>(bytes.size()),
                      SQLITE_TRANSIENT);
  }
  void BindText(int column, std::string_view text) {
    sqlite3_bind_text(stmt_, column, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindOptionalText(int column, const std::optional<std::string>& text) {
    if (text) {
      BindText(column, std::string_view(*text));
    } else {
      sqlite3_bind_null(stmt_, column);
    }
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::uint64_t ColumnInt(int column) {
    return static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, column));
  }
  std::string ColumnText(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text != nullptr ? reinterpret_cast<const char*>(text) : "";
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

class SqliteDb {
 public:
  // Opens (creating) `file`; `name` labels errors ("index database"). Waits up to 5 s for
  // a lock held by another connection.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::filesystem::path& file,
                                                std::string name);
  // The same in WAL mode with synchronous=FULL: a commit is on disk when it returns (what a
  // store that answers only after recording needs).
  static Result<std::unique_ptr<SqliteDb>> OpenDurable(const std::filesystem::path& file,
                                                       std::string name);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  sqlite3* get() { return db_; }
  Status Exec(const char* sql);
  // "NAME: WHAT: SQLite's message", kFailed.
  Error LastError(const std::string& what);
  // Runs a statement whose rows are single integers.
  Result<std::vector<std::uint64_t>> Integers(SqliteStatement& statement);

 private:
  SqliteDb(sqlite3* db, std::string name) : db_(db), name_(std::move(name)) {}
  sqlite3* db_;
  std::string name_;
};

}  // namespace vigil
