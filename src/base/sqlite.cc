#include "base/sqlite.h"

#include <vector>

namespace vigil {

Result<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::filesystem::path& file,
                                                 std::string name) {
  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error::Failed("cannot open the " + name + " " + file.string() + ": " + message);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, std::move(name)));
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::OpenDurable(const std::filesystem::path& file,
                                                        std::string name) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, Open(file, std::move(name)));
  VIGIL_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  VIGIL_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close(db_); }

Status SqliteDb::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Error::Failed(name_ + ": " + sql + ": " + text);
  }
  return OkStatus();
}

Error SqliteDb::LastError(const std::string& what) {
  return Error::Failed(name_ + ": " + what + ": " + sqlite3_errmsg(db_));
}

Result<std::vector<std::uint64_t>> SqliteDb::Integers(SqliteStatement& statement) {
  std::vector<std::uint64_t> out;
  for (;;) {
    const int rc = statement.Step();
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return LastError("query");
    out.push_back(statement.ColumnInt(0));
  }
}

}  // namespace vigil
