#include "gateway/command_store.h"

#include <ctime>

#include "base/sqlite.h"
#include "gateway/record_outbox.h"

namespace vigil::gateway {
CommandStore::CommandStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
CommandStore::~CommandStore() = default;

Result<std::unique_ptr<CommandStore>> CommandStore::Open(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(auto db, SqliteDb::OpenDurable(file, "command database"));
  VIGIL_RETURN_IF_ERROR(CreateRecordTable(*db));
  VIGIL_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS approvals ("
               " line TEXT NOT NULL, fingerprint TEXT NOT NULL, signed_text TEXT NOT NULL,"
               " received_at INTEGER NOT NULL, PRIMARY KEY (line, fingerprint))"));
  VIGIL_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS commands ("
               " line TEXT PRIMARY KEY, state TEXT NOT NULL, verdict TEXT NOT NULL,"
               " decided_at INTEGER NOT NULL)"));
  return std::unique_ptr<CommandStore>(new CommandStore(std::move(db)));
}

Result<std::optional<std::string>> CommandStore::FinalVerdict(const std::string& line) {
  std::lock_guard lock(db_mutex_);
  SqliteStatement query(db_->get(), "SELECT verdict FROM commands WHERE line = ?");
  if (!query.ok()) return db_->LastError("look up a command");
  query.BindText(1, line);
  const int rc = query.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return db_->LastError("look up a command");
  return std::optional<std::string>(query.ColumnText(0));
}

Result<std::vector<Approval>> CommandStore::Approvals(const std::string& line) {
  std::lock_guard lock(db_mutex_);
  SqliteStatement query(db_->get(),
                        "SELECT fingerprint, signed_text FROM approvals WHERE line = ?"
                        " ORDER BY received_at, rowid");
  if (!query.ok()) return db_->LastError("approvals");
  query.BindText(1, line);
  std::vector<Approval> approvals;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    approvals.push_back({query.ColumnText(0), query.ColumnText(1)});
  }
  if (rc != SQLITE_DONE) return db_->LastError("approvals");
  return approvals;
}

Status CommandStore::Commit(const SubmissionOutcome& outcome) {
  std::lock_guard lock(db_mutex_);
  VIGIL_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  auto step = [this](const char* sql, auto bind) -> Status {
    SqliteStatement statement(db_->get(), sql);
    if (!statement.ok()) return db_->LastError("commit a command");
    bind(statement);
    if (statement.Step() != SQLITE_DONE) return db_->LastError("commit a command");
    return OkStatus();
  };
  Status written = OkStatus();
  if (outcome.approval) {
    written = step("INSERT INTO approvals VALUES (?, ?, ?, ?)", [&](SqliteStatement& s) {
      s.BindText(1, outcome.line);
      s.BindText(2, outcome.approval->fingerprint);
      s.BindText(3, outcome.approval->signed_text);
      s.BindInt(4, static_cast<std::uint64_t>(std::time(nullptr)));
    });
  }
  if (written.ok() && outcome.final_state) {
    written = step("INSERT INTO commands VALUES (?, ?, ?, ?)", [&](SqliteStatement& s) {
      s.BindText(1, outcome.line);
      s.BindText(2, *outcome.final_state);
      s.BindText(3, outcome.verdict);
      s.BindInt(4, static_cast<std::uint64_t>(std::time(nullptr)));
    });
  }
  if (written.ok()) written = KeepRecord(*db_, outcome.record_id, outcome.record);
  Status ended = db_->Exec(written.ok() ? "COMMIT" : "ROLLBACK");
  if (!written.ok()) return written;
  return ended;
}

Result<std::size_t> CommandStore::MoveRecords(DeliveryStore& outbox) {
  std::vector<PendingRecord> records;
  {
    std::lock_guard lock(db_mutex_);
    VIGIL_ASSIGN_OR_RETURN(records, ReadPendingRecords(*db_, kRecordsMovedAtOnce));
  }
  // The database is written with no lock held here: submissions go on meanwhile.
  for (const PendingRecord& record : records) {
    VIGIL_RETURN_IF_ERROR(outbox.AddRecord(record.record_id, record.body));
  }
  std::lock_guard lock(db_mutex_);
  VIGIL_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  Status dropped;
  for (const PendingRecord& record : records) {
    if (dropped.ok()) dropped = DropRecord(*db_, record.seq);
  }
  Status ended = db_->Exec(dropped.ok() ? "COMMIT" : "ROLLBACK");
  VIGIL_RETURN_IF_ERROR(dropped);
  VIGIL_RETURN_IF_ERROR(ended);
  return records.size();
}

}  // namespace vigil::gateway
