#include "gateway/record_outbox.h"

#include "base/sqlite.h"

namespace vigil::gateway {

Status CreateRecordTable(SqliteDb& db) {
  VIGIL_RETURN_IF_ERROR(
      db.Exec("CREATE TABLE IF NOT EXISTS records ("
              " seq INTEGER PRIMARY KEY AUTOINCREMENT, record_id TEXT NOT NULL UNIQUE,"
              " body TEXT NOT NULL, ledger_index INTEGER)"));
  return db.Exec(
      "CREATE INDEX IF NOT EXISTS records_pending ON records (seq) WHERE ledger_index IS NULL");
}

Status KeepRecord(SqliteDb& db, const std::string& record_id, const std::string& body) {
  SqliteStatement insert(db.get(),
                         "INSERT INTO records (record_id, body) VALUES (?, ?)"
                         " ON CONFLICT (record_id) DO NOTHING");
  if (!insert.ok()) return db.LastError("keep a record");
  insert.BindText(1, record_id);
  insert.BindText(2, body);
  if (insert.Step() != SQLITE_DONE) return db.LastError("keep a record");
  return OkStatus();
}

}  // namespace vigil::gateway
