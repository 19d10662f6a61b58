#include "gateway/delivery_store.h"

#include <condition_variable>
#include <ctime>
#include <mutex>

#include "base/sqlite.h"
#include "gateway/record_outbox.h"
#include "gateway/verdict_record.h"

namespace vigil::gateway {
namespace {

// The SQLite store: one connection, group-committed deliveries.
class SqliteDeliveryStore final : public DeliveryStore {
 public:
  explicit SqliteDeliveryStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Result<Recorded> Record(const Delivery& delivery, const std::string& ledger_record) override;
  Status AddRecord(const std::string& record_id, const std::string& body) override;
  Result<std::vector<PendingRecord>> PendingRecords(std::size_t limit) override;
  Status MarkRecorded(std::uint64_t seq, std::uint64_t index) override;
  Result<std::uint64_t> PendingCount() override;
  Result<std::vector<PendingRecord>> RecordsAfter(std::uint64_t seq, std::size_t limit) override;
  Result<std::vector<PendingRecord>> NewestRecords(std::size_t limit) override;
  Result<std::uint64_t> NotifiedUpTo(const std::string& target) override;
  Status SetNotifiedUpTo(const std::string& target, std::uint64_t seq) override;
  Result<std::optional<std::pair<Delivery, std::string>>> Find(
      const std::string& provider, const std::string& delivery_id) override;
  Result<std::uint64_t> QueuedCount() override;
  Result<std::optional<Delivery>> TakeQueued(const Acceptor& accept) override;
  Status Requeue(const Delivery& delivery, const std::string& why) override;
  Status RecordOutcome(const Delivery& delivery, const std::string& outcome) override;

 private:
  struct Write;
  // One transaction for the batch: every write gets its own result.
  void CommitBatch(const std::vector<Write*>& batch);
  Result<Recorded> InsertDelivery(const Delivery& delivery);
  std::unique_ptr<SqliteDb> db_;
  std::mutex mutex_;  // the connection
  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::vector<Write*> queue_;
  bool committing_ = false;
};

}  // namespace

Result<std::unique_ptr<DeliveryStore>> DeliveryStore::Open(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(auto db, SqliteDb::OpenDurable(file, "delivery database"));
  // A delivery is answered only once it is on disk.
  VIGIL_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS deliveries ("
               " provider TEXT NOT NULL, delivery_id TEXT NOT NULL,"
               " received_at INTEGER NOT NULL, verdict TEXT NOT NULL,"
               " repository TEXT NOT NULL, ref TEXT NOT NULL, git_commit TEXT NOT NULL,"
               " component TEXT NOT NULL, body_sha256 TEXT NOT NULL,"
               " queued INTEGER NOT NULL, dispatched_at INTEGER, outcome TEXT,"
               " PRIMARY KEY (provider, delivery_id))"));
  VIGIL_RETURN_IF_ERROR(CreateRecordTable(*db));
  VIGIL_RETURN_IF_ERROR(
      db->Exec("CREATE TABLE IF NOT EXISTS notified ("
               " target TEXT PRIMARY KEY, seq INTEGER NOT NULL)"));
  return std::unique_ptr<DeliveryStore>(new SqliteDeliveryStore(std::move(db)));
}

struct SqliteDeliveryStore::Write {
  const Delivery& delivery;
  const std::string& ledger_record;
  Result<Recorded> result = Error::Failed("not written");
  bool done = false;
};

Result<Recorded> SqliteDeliveryStore::Record(const Delivery& d, const std::string& ledger_record) {
  Write write{d, ledger_record};
  std::unique_lock<std::mutex> lock(queue_mutex_);
  queue_.push_back(&write);
  // Whoever finds no commit running commits everything queued; the others wait for it.
  while (!write.done) {
    if (committing_) {
      queue_changed_.wait(lock);
      continue;
    }
    committing_ = true;
    std::vector<Write*> batch;
    batch.swap(queue_);
    lock.unlock();
    CommitBatch(batch);
    lock.lock();
    for (Write* written : batch) written->done = true;
    committing_ = false;
    queue_changed_.notify_all();
  }
  return std::move(write.result);
}

void SqliteDeliveryStore::CommitBatch(const std::vector<Write*>& batch) {
  std::lock_guard<std::mutex> lock(mutex_);
  Status status = db_->Exec("BEGIN IMMEDIATE");
  for (std::size_t i = 0; status.ok() && i < batch.size(); ++i) {
    Write& write = *batch[i];
    write.result = InsertDelivery(write.delivery);
    if (!write.result.ok()) {
      status = write.result.error();
    } else if (!write.result->duplicate) {
      status = KeepRecord(*db_, VerdictRecordId(write.delivery), write.ledger_record);
    }
  }
  if (status.ok()) status = db_->Exec("COMMIT");
  if (!status.ok()) {
    // Nothing of the batch is kept: every write reports the failure (not acknowledged).
    (void)db_->Exec("ROLLBACK");
    for (Write* write : batch) write->result = status.error();
  }
}

Result<Recorded> SqliteDeliveryStore::InsertDelivery(const Delivery& d) {
  SqliteStatement insert(db_->get(),
                         "INSERT INTO deliveries (provider, delivery_id, received_at, verdict,"
                         " repository, ref, git_commit, component, body_sha256, queued)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return db_->LastError("record");
  insert.BindText(1, d.provider);
  insert.BindText(2, d.delivery_id);
  insert.BindInt(3, static_cast<std::uint64_t>(std::time(nullptr)));
  insert.BindText(4, d.verdict);
  insert.BindText(5, d.repository);
  insert.BindText(6, d.ref);
  insert.BindText(7, d.commit);
  insert.BindText(8, d.component);
  insert.BindText(9, d.body_sha256);
  insert.BindInt(10, d.queue ? 1 : 0);
  const int rc = insert.Step();
  if (rc == SQLITE_DONE) return Recorded{.duplicate = false, .verdict = d.verdict};
  if (rc != SQLITE_CONSTRAINT) return db_->LastError("record");
  SqliteStatement query(db_->get(),
                        "SELECT verdict FROM deliveries WHERE provider = ? AND delivery_id = ?");
  if (!query.ok()) return db_->LastError("lookup");
  query.BindText(1, d.provider);
  query.BindText(2, d.delivery_id);
  if (query.Step() != SQLITE_ROW) return db_->LastError("lookup");
  return Recorded{.duplicate = true, .verdict = query.ColumnText(0)};
}

Status SqliteDeliveryStore::AddRecord(const std::string& record_id, const std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  return KeepRecord(*db_, record_id, body);
}

Result<std::vector<PendingRecord>> SqliteDeliveryStore::PendingRecords(std::size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  return ReadPendingRecords(*db_, limit);
}

Status SqliteDeliveryStore::MarkRecorded(std::uint64_t seq, std::uint64_t index) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement update(db_->get(), "UPDATE records SET ledger_index = ? WHERE seq = ?");
  if (!update.ok()) return db_->LastError("mark a record");
  update.BindInt(1, index);
  update.BindInt(2, seq);
  if (update.Step() != SQLITE_DONE) return db_->LastError("mark a record");
  return OkStatus();
}

Result<std::vector<PendingRecord>> SqliteDeliveryStore::RecordsAfter(std::uint64_t seq,
                                                                     std::size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement query(db_->get(),
                        "SELECT seq, record_id, body FROM records WHERE seq > ?"
                        " ORDER BY seq LIMIT ?");
  if (!query.ok()) return db_->LastError("records");
  query.BindInt(1, seq);
  query.BindInt(2, limit);
  return ReadRecords(*db_, query);
}

Result<std::vector<PendingRecord>> SqliteDeliveryStore::NewestRecords(std::size_t limit) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement query(db_->get(),
                        "SELECT seq, record_id, body FROM records ORDER BY seq DESC LIMIT ?");
  if (!query.ok()) return db_->LastError("records");
  query.BindInt(1, limit);
  return ReadRecords(*db_, query);
}

Result<std::uint64_t> SqliteDeliveryStore::NotifiedUpTo(const std::string& target) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement query(db_->get(), "SELECT seq FROM notified WHERE target = ?");
  if (!query.ok()) return db_->LastError("notified");
  query.BindText(1, target);
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::uint64_t> rows, db_->Integers(query));
  return rows.empty() ? 0 : rows.front();
}

Status SqliteDeliveryStore::SetNotifiedUpTo(const std::string& target, std::uint64_t seq) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement upsert(db_->get(),
                         "INSERT INTO notified VALUES (?, ?)"
                         " ON CONFLICT (target) DO UPDATE SET seq = max(seq, excluded.seq)");
  if (!upsert.ok()) return db_->LastError("notified");
  upsert.BindText(1, target);
  upsert.BindInt(2, seq);
  if (upsert.Step() != SQLITE_DONE) return db_->LastError("notified");
  return OkStatus();
}

Result<std::uint64_t> SqliteDeliveryStore::PendingCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement count(db_->get(), "SELECT COUNT(*) FROM records WHERE ledger_index IS NULL");
  if (!count.ok()) return db_->LastError("count");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::uint64_t> rows, db_->Integers(count));
  return rows.empty() ? 0 : rows.front();
}

Result<std::optional<std::pair<Delivery, std::string>>> SqliteDeliveryStore::Find(
    const std::string& provider, const std::string& delivery_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement query(db_->get(),
                        "SELECT verdict, repository, ref, git_commit, component, body_sha256,"
                        " queued, COALESCE(outcome, '') FROM deliveries"
                        " WHERE provider = ? AND delivery_id = ?");
  if (!query.ok()) return db_->LastError("find");
  query.BindText(1, provider);
  query.BindText(2, delivery_id);
  const int rc = query.Step();
  if (rc == SQLITE_DONE) return std::optional<std::pair<Delivery, std::string>>();
  if (rc != SQLITE_ROW) return db_->LastError("find");
  Delivery d{.provider = provider,
             .delivery_id = delivery_id,
             .verdict = query.ColumnText(0),
             .repository = query.ColumnText(1),
             .ref = query.ColumnText(2),
             .commit = query.ColumnText(3),
             .component = query.ColumnText(4),
             .body_sha256 = query.ColumnText(5),
             .queue = query.ColumnInt(6) != 0};
  return std::optional<std::pair<Delivery, std::string>>(std::pair(d, query.ColumnText(7)));
}

Result<std::uint64_t> SqliteDeliveryStore::QueuedCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement count(db_->get(),
                        "SELECT COUNT(*) FROM deliveries WHERE queued = 1"
                        " AND dispatched_at IS NULL");
  if (!count.ok()) return db_->LastError("count");
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::uint64_t> rows, db_->Integers(count));
  return rows.empty() ? 0 : rows.front();
}

Result<std::optional<Delivery>> SqliteDeliveryStore::TakeQueued(const Acceptor& accept) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::optional<Delivery> taken;
  {  // the scan ends before the update
    // The oldest requests first; a builder looks further only past what it cannot take.
    SqliteStatement next(db_->get(),
                         "SELECT provider, delivery_id, repository, ref, git_commit, component"
                         " FROM deliveries WHERE queued = 1 AND dispatched_at IS NULL"
                         " ORDER BY received_at, rowid LIMIT ?");
    if (!next.ok()) return db_->LastError("take");
    next.BindInt(1, kTakeScan);
    int rc = SQLITE_ROW;
    while (!taken && (rc = next.Step()) == SQLITE_ROW) {
      Delivery d{.provider = next.ColumnText(0),
                 .delivery_id = next.ColumnText(1),
                 .verdict = "queued",
                 .repository = next.ColumnText(2),
                 .ref = next.ColumnText(3),
                 .commit = next.ColumnText(4),
                 .component = next.ColumnText(5),
                 .body_sha256 = {},
                 .queue = true};
      if (!accept || accept(d)) taken = std::move(d);
    }
    if (!taken && rc != SQLITE_DONE) return db_->LastError("take");
    if (!taken) return std::optional<Delivery>();
  }
  const Delivery& d = *taken;
  SqliteStatement mark(db_->get(),
                       "UPDATE deliveries SET dispatched_at = ? WHERE provider = ? AND"
                       " delivery_id = ? AND dispatched_at IS NULL");
  if (!mark.ok()) return db_->LastError("take");
  mark.BindInt(1, static_cast<std::uint64_t>(std::time(nullptr)));
  mark.BindText(2, d.provider);
  mark.BindText(3, d.delivery_id);
  if (mark.Step() != SQLITE_DONE) return db_->LastError("take");
  return taken;
}

Status SqliteDeliveryStore::Requeue(const Delivery& d, const std::string& why) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement update(db_->get(),
                         "UPDATE deliveries SET dispatched_at = NULL, outcome = ? WHERE"
                         " provider = ? AND delivery_id = ? AND queued = 1");
  if (!update.ok()) return db_->LastError("requeue");
  update.BindText(1, why);
  update.BindText(2, d.provider);
  update.BindText(3, d.delivery_id);
  if (update.Step() != SQLITE_DONE) return db_->LastError("requeue");
  return OkStatus();
}

Status SqliteDeliveryStore::RecordOutcome(const Delivery& d, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  SqliteStatement update(
      db_->get(), "UPDATE deliveries SET outcome = ? WHERE provider = ? AND delivery_id = ?");
  if (!update.ok()) return db_->LastError("outcome");
  update.BindText(1, outcome);
  update.BindText(2, d.provider);
  update.BindText(3, d.delivery_id);
  if (update.Step() != SQLITE_DONE) return db_->LastError("outcome");
  return OkStatus();
}

}  // namespace vigil::gateway
