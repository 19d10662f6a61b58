#include "pg/delivery_tables.h"

#include <algorithm>
#include <limits>

#include "pg/session.h"

namespace vigil::pg {
namespace {

// Held while the tables are created: two gateways starting together create them once.
// (7105461: the log's tables; 7105462: the signer's; 7105463: the builds' text.)
constexpr char kCreateLock[] = "SELECT pg_advisory_xact_lock(7105465)";
// Held by every transaction that numbers a record, from before its number is drawn until it
// commits: records then commit in the order of their numbers, so a reader that has seen
// record N (the notifier, RecordsAfter) never later finds a smaller one committed behind it.
// Taken first in the transaction, before any row lock, so it cannot deadlock.
constexpr char kRecordOrderLock[] = "SELECT pg_advisory_xact_lock(7105464)";
// Candidates read per statement while looking for a request the acceptor takes.
constexpr long long kTakeBatch = 64;

constexpr char kCreateTables[] =
    "CREATE TABLE IF NOT EXISTS gateway_deliveries ("
    " provider text NOT NULL, delivery_id text NOT NULL,"
    " received_at bigint NOT NULL, verdict text NOT NULL,"
    " repository text NOT NULL, ref text NOT NULL, git_commit text NOT NULL,"
    " component text NOT NULL, body_sha256 text NOT NULL, outcome text,"
    " PRIMARY KEY (provider, delivery_id));"
    // The build requests, in the order they were queued; dispatched_at is NULL until a
    // dispatcher takes one, and NULL again when it is handed back.
    "CREATE TABLE IF NOT EXISTS gateway_queue ("
    " seq bigserial PRIMARY KEY, provider text NOT NULL, delivery_id text NOT NULL,"
    " dispatched_at bigint, UNIQUE (provider, delivery_id),"
    " FOREIGN KEY (provider, delivery_id) REFERENCES gateway_deliveries);"
    "CREATE INDEX IF NOT EXISTS gateway_queue_waiting ON gateway_queue (seq)"
    " WHERE dispatched_at IS NULL;"
    "CREATE TABLE IF NOT EXISTS gateway_records ("
    " seq bigserial PRIMARY KEY, record_id text NOT NULL UNIQUE, body text NOT NULL,"
    " ledger_index bigint);"
    "CREATE INDEX IF NOT EXISTS gateway_records_pending ON gateway_records (seq)"
    " WHERE ledger_index IS NULL;"
    "CREATE TABLE IF NOT EXISTS gateway_notified ("
    " target text PRIMARY KEY, seq bigint NOT NULL)";

std::vector<OutboxRecord> Records(const pqxx::result& rows) {
  std::vector<OutboxRecord> records;
  records.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    records.push_back(
        {row[0].as<std::uint64_t>(), row[1].as<std::string>(), row[2].as<std::string>()});
  }
  return records;
}

void KeepRecord(pqxx::work& work, const std::string& record_id, const std::string& body) {
  work.exec_params(
      "INSERT INTO gateway_records (record_id, body) VALUES ($1, $2)"
      " ON CONFLICT (record_id) DO NOTHING",
      record_id, body);
}

long long Count(std::size_t n) {
  return static_cast<long long>(std::min<std::size_t>(n, std::numeric_limits<long long>::max()));
}

}  // namespace

Result<std::unique_ptr<DeliveryTables>> DeliveryTables::Open(const SessionSettings& session) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(session));
  VIGIL_RETURN_IF_ERROR(Guard(*connection, "creating the gateway's tables", [&]() -> Status {
    pqxx::work work(*connection->impl().conn);
    // Made in one transaction, so the last one existing means all do. CREATE INDEX IF NOT
    // EXISTS would lock the tables (SHARE) against the other gateways' writes on every start.
    if (work.exec1("SELECT to_regclass('gateway_notified') IS NOT NULL")[0].as<bool>()) {
      return OkStatus();
    }
    work.exec(kCreateLock);
    work.exec(kCreateTables);
    work.commit();
    return OkStatus();
  }));
  return std::unique_ptr<DeliveryTables>(new DeliveryTables(std::move(connection)));
}

Result<DeliveryTables::Recorded> DeliveryTables::Record(const DeliveryRow& row, std::uint64_t now,
                                                        const std::string& record_id,
                                                        const std::string& body) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "recording a delivery", [&]() -> Result<Recorded> {
    pqxx::work work(*connection_->impl().conn);
    work.exec(kRecordOrderLock);
    const pqxx::result inserted = work.exec_params(
        "INSERT INTO gateway_deliveries (provider, delivery_id, received_at, verdict,"
        " repository, ref, git_commit, component, body_sha256)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING 1",
        row.provider, row.delivery_id, static_cast<long long>(now), row.verdict, row.repository,
        row.ref, row.commit, row.component, row.body_sha256);
    if (inserted.empty()) {
      // Recorded before, here or by another gateway (committed: the insert waited for it).
      const pqxx::row first = work.exec_params1(
          "SELECT verdict FROM gateway_deliveries WHERE provider = $1 AND delivery_id = $2",
          row.provider, row.delivery_id);
      return Recorded{.duplicate = true, .verdict = first[0].as<std::string>()};
    }
    if (row.queue) {
      work.exec_params("INSERT INTO gateway_queue (provider, delivery_id) VALUES ($1, $2)",
                       row.provider, row.delivery_id);
    }
    KeepRecord(work, record_id, body);
    work.commit();
    return Recorded{.duplicate = false, .verdict = row.verdict};
  });
}

Status DeliveryTables::AddRecord(const std::string& record_id, const std::string& body) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "keeping a verdict record", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec(kRecordOrderLock);
    KeepRecord(work, record_id, body);
    work.commit();
    return OkStatus();
  });
}

Result<std::vector<OutboxRecord>> DeliveryTables::PendingRecords(std::size_t limit) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reading the pending records",
               [&]() -> Result<std::vector<OutboxRecord>> {
                 pqxx::work work(*connection_->impl().conn);
                 return Records(work.exec_params(
                     "SELECT seq, record_id, body FROM gateway_records WHERE ledger_index IS NULL"
                     " ORDER BY seq LIMIT $1",
                     Count(limit)));
               });
}

Status DeliveryTables::MarkRecorded(std::uint64_t seq, std::uint64_t ledger_index) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "marking a record taken", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec_params("UPDATE gateway_records SET ledger_index = $1 WHERE seq = $2",
                     static_cast<long long>(ledger_index), static_cast<long long>(seq));
    work.commit();
    return OkStatus();
  });
}

Result<std::uint64_t> DeliveryTables::PendingCount() {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "counting the pending records", [&]() -> Result<std::uint64_t> {
    pqxx::work work(*connection_->impl().conn);
    return work.exec1("SELECT count(*) FROM gateway_records WHERE ledger_index IS NULL")[0]
        .as<std::uint64_t>();
  });
}

Result<std::vector<OutboxRecord>> DeliveryTables::RecordsAfter(std::uint64_t seq,
                                                               std::size_t limit) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reading the records", [&]() -> Result<std::vector<OutboxRecord>> {
    pqxx::work work(*connection_->impl().conn);
    return Records(work.exec_params(
        "SELECT seq, record_id, body FROM gateway_records WHERE seq > $1 ORDER BY seq LIMIT $2",
        static_cast<long long>(seq), Count(limit)));
  });
}

Result<std::vector<OutboxRecord>> DeliveryTables::NewestRecords(std::size_t limit) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reading the records", [&]() -> Result<std::vector<OutboxRecord>> {
    pqxx::work work(*connection_->impl().conn);
    return Records(work.exec_params(
        "SELECT seq, record_id, body FROM gateway_records ORDER BY seq DESC LIMIT $1",
        Count(limit)));
  });
}

Result<std::uint64_t> DeliveryTables::NotifiedUpTo(const std::string& target) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reading notification progress", [&]() -> Result<std::uint64_t> {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::result rows =
        work.exec_params("SELECT seq FROM gateway_notified WHERE target = $1", target);
    return rows.empty() ? 0 : rows[0][0].as<std::uint64_t>();
  });
}

Status DeliveryTables::SetNotifiedUpTo(const std::string& target, std::uint64_t seq) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "recording notification progress", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec_params(
        "INSERT INTO gateway_notified (target, seq) VALUES ($1, $2) ON CONFLICT (target)"
        " DO UPDATE SET seq = GREATEST(gateway_notified.seq, excluded.seq)",
        target, static_cast<long long>(seq));
    work.commit();
    return OkStatus();
  });
}

Result<std::optional<DeliveryTables::Found>> DeliveryTables::Find(const std::string& provider,
                                                                  const std::string& delivery_id) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "finding a delivery", [&]() -> Result<std::optional<Found>> {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::result rows = work.exec_params(
        "SELECT d.verdict, d.repository, d.ref, d.git_commit, d.component, d.body_sha256,"
        " q.seq IS NOT NULL, coalesce(d.outcome, '')"
        " FROM gateway_deliveries d LEFT JOIN gateway_queue q USING (provider, delivery_id)"
        " WHERE d.provider = $1 AND d.delivery_id = $2",
        provider, delivery_id);
    if (rows.empty()) return std::optional<Found>();
    const pqxx::row& r = rows[0];
    Found found{.row = {.provider = provider,
                        .delivery_id = delivery_id,
                        .verdict = r[0].as<std::string>(),
                        .repository = r[1].as<std::string>(),
                        .ref = r[2].as<std::string>(),
                        .commit = r[3].as<std::string>(),
                        .component = r[4].as<std::string>(),
                        .body_sha256 = r[5].as<std::string>(),
                        .queue = r[6].as<bool>()},
                .outcome = r[7].as<std::string>()};
    return std::optional<Found>(std::move(found));
  });
}

Result<std::uint64_t> DeliveryTables::QueuedCount() {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "counting the queue", [&]() -> Result<std::uint64_t> {
    pqxx::work work(*connection_->impl().conn);
    return work.exec1("SELECT count(*) FROM gateway_queue WHERE dispatched_at IS NULL")[0]
        .as<std::uint64_t>();
  });
}

Result<std::optional<DeliveryRow>> DeliveryTables::TakeQueued(const Acceptor& accept,
                                                              std::uint64_t now) {
  std::lock_guard lock(mutex_);
  return Guard(
      *connection_, "taking a queued request", [&]() -> Result<std::optional<DeliveryRow>> {
        pqxx::work work(*connection_->impl().conn);
        long long after = 0;
        std::size_t scanned = 0;
        while (scanned < kTakeScan) {
          // The candidates, oldest first, read without locking them: another gateway's
          // dispatcher may take any of them meanwhile, but none is held while `accept` runs.
          const pqxx::result batch = work.exec_params(
              "SELECT q.seq, q.provider, q.delivery_id, d.repository, d.ref, d.git_commit,"
              " d.component FROM gateway_queue q JOIN gateway_deliveries d"
              " USING (provider, delivery_id) WHERE q.dispatched_at IS NULL AND q.seq > $1"
              " ORDER BY q.seq LIMIT $2",
              after, std::min(kTakeBatch, Count(kTakeScan - scanned)));
          for (const pqxx::row& r : batch) {
            after = r[0].as<long long>();
            DeliveryRow row{.provider = r[1].as<std::string>(),
                            .delivery_id = r[2].as<std::string>(),
                            .verdict = "queued",
                            .repository = r[3].as<std::string>(),
                            .ref = r[4].as<std::string>(),
                            .commit = r[5].as<std::string>(),
                            .component = r[6].as<std::string>(),
                            .body_sha256 = {},
                            .queue = true};
            if (accept && !accept(row)) continue;
            // Taken only if no one holds it and no one took it: the lock is skipped rather than
            // waited for, and the condition is checked again on the row as committed.
            const pqxx::result taken = work.exec_params(
                "UPDATE gateway_queue SET dispatched_at = $1 WHERE seq = (SELECT seq FROM"
                " gateway_queue WHERE seq = $2 AND dispatched_at IS NULL FOR UPDATE SKIP LOCKED)"
                " RETURNING 1",
                static_cast<long long>(now), after);
            if (taken.empty()) continue;  // another dispatcher has it
            work.commit();
            return std::optional<DeliveryRow>(std::move(row));
          }
          scanned += batch.size();
          if (batch.size() < static_cast<std::size_t>(kTakeBatch)) break;
        }
        return std::optional<DeliveryRow>();
      });
}

Status DeliveryTables::Requeue(const std::string& provider, const std::string& delivery_id,
                               const std::string& why) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "handing a request back", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::result queued = work.exec_params(
        "UPDATE gateway_queue SET dispatched_at = NULL"
        " WHERE provider = $1 AND delivery_id = $2 RETURNING 1",
        provider, delivery_id);
    if (queued.empty()) return OkStatus();  // not a build request: nothing to hand back
    work.exec_params(
        "UPDATE gateway_deliveries SET outcome = $3 WHERE provider = $1 AND delivery_id = $2",
        provider, delivery_id, why);
    work.commit();
    return OkStatus();
  });
}

Status DeliveryTables::RecordOutcome(const std::string& provider, const std::string& delivery_id,
                                     const std::string& outcome) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "recording an outcome", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec_params(
        "UPDATE gateway_deliveries SET outcome = $3 WHERE provider = $1 AND delivery_id = $2",
        provider, delivery_id, outcome);
    work.commit();
    return OkStatus();
  });
}

}  // namespace vigil::pg
