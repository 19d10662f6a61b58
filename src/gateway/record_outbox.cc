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

Result<std::vector<PendingRecord>> ReadRecords(SqliteDb& db, SqliteStatement& query) {
  std::vector<PendingRecord> records;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    records.push_back({query.ColumnInt(0), query.ColumnText(1), query.ColumnText(2)});
  }
  if (rc != SQLITE_DONE) return db.LastError("records");
  return records;
}

Result<std::vector<PendingRecord>> ReadPendingRecords(SqliteDb& db, std::size_t limit) {
  SqliteStatement query(db.get(),
                        "SELECT seq, record_id, body FROM records WHERE ledger_index IS NULL"
                        " ORDER BY seq LIMIT ?");
  if (!query.ok()) return db.LastError("pending records");
  query.BindInt(1, limit);
  return ReadRecords(db, query);
}

Status DropRecord(SqliteDb& db, std::uint64_t seq) {
  SqliteStatement drop(db.get(), "DELETE FROM records WHERE seq = ?");
  if (!drop.ok()) return db.LastError("drop a record");
  drop.BindInt(1, seq);
  if (drop.Step() != SQLITE_DONE) return db.LastError("drop a record");
  return OkStatus();
}

}  // namespace vigil::gateway
