// The gateway's deliveries, build-request queue and outbox of verdict records in PostgreSQL,
// which several gateways may share (docs/SPEC-gateway.md, "The queue in PostgreSQL"): a
// (provider, delivery id) is recorded once however many gateways receive it, with its
// verdict record in the same transaction; a queued request is handed to at most one
// dispatcher of all the gateways (oldest first; the one taken is locked with FOR UPDATE SKIP
// LOCKED and checked again); the records are numbered in the order they commit. Every write is
// committed synchronously (the server's default), so a delivery the gateway answered survives a
// crash of either side. The gateway's DeliveryStore (gateway/delivery_store.h) over it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "pg/connection.h"

namespace vigil::pg {

// A delivery as the tables hold it (the gateway's Delivery, field for field).
struct DeliveryRow {
  std::string provider, delivery_id, verdict;
  std::string repository, ref, commit, component, body_sha256;
  bool queue = false;
};

// A verdict record of the outbox, numbered in commit order.
struct OutboxRecord {
  std::uint64_t seq = 0;
  std::string record_id, body;
};

class DeliveryTables {
 public:
  // Connects and creates the tables gateway_deliveries, gateway_queue, gateway_records and
  // gateway_notified if they are missing.
  static Result<std::unique_ptr<DeliveryTables>> Open(const SessionSettings& session);

  struct Recorded {
    bool duplicate = false;
    std::string verdict;  // the first delivery's, for a duplicate
  };
  // Records `row` at `now` (queued when row.queue) and the record (record_id, body) in one
  // transaction; a repeat of (provider, delivery_id) returns the first verdict and writes
  // nothing.
  Result<Recorded> Record(const DeliveryRow& row, std::uint64_t now, const std::string& record_id,
                          const std::string& body);
  // Keeps a record; a record_id kept before is not kept again.
  Status AddRecord(const std::string& record_id, const std::string& body);
  Result<std::vector<OutboxRecord>> PendingRecords(std::size_t limit);
  Status MarkRecorded(std::uint64_t seq, std::uint64_t ledger_index);
  Result<std::uint64_t> PendingCount();
  Result<std::vector<OutboxRecord>> RecordsAfter(std::uint64_t seq, std::size_t limit);
  Result<std::vector<OutboxRecord>> NewestRecords(std::size_t limit);
  // Notification progress per target; it never moves back (two gateways may both notify).
  Result<std::uint64_t> NotifiedUpTo(const std::string& target);
  Status SetNotifiedUpTo(const std::string& target, std::uint64_t seq);

  struct Found {
    DeliveryRow row;
    std::string outcome;  // empty until dispatched and answered (or handed back)
  };
  Result<std::optional<Found>> Find(const std::string& provider, const std::string& delivery_id);
  Result<std::uint64_t> QueuedCount();
  // Looks at most at the oldest `kTakeScan` requests not yet dispatched, oldest first, and
  // marks the first that `accept` takes dispatched at `now`, in one transaction. `accept`
  // runs with no row locked (another gateway may take a request meanwhile: it is then
  // passed over), inside the open transaction: it must be quick.
  static constexpr std::size_t kTakeScan = 256;
  using Acceptor = std::function<bool(const DeliveryRow&)>;
  Result<std::optional<DeliveryRow>> TakeQueued(const Acceptor& accept, std::uint64_t now);
  // Back in the queue in its place, with `why` as its outcome (only a queued request).
  Status Requeue(const std::string& provider, const std::string& delivery_id,
                 const std::string& why);
  Status RecordOutcome(const std::string& provider, const std::string& delivery_id,
                       const std::string& outcome);

 private:
  explicit DeliveryTables(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}
  std::mutex mutex_;  // one transaction at a time on the session
  std::unique_ptr<Connection> connection_;
};

}  // namespace vigil::pg
