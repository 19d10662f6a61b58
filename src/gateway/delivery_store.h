// The gateway's durable record of authenticated deliveries (docs/SPEC-gateway.md): each
// (provider, delivery id) once with its verdict, the build requests queued until a
// dispatcher takes them, and the verdict records waiting to be appended to the ledger.
// SQLite, WAL, synchronous=FULL: a delivery the gateway answered survives a crash, and a
// repeat (a redelivery, a replay) is recognised and changes nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil {
class SqliteDb;
}  // namespace vigil

namespace vigil::gateway {

struct Delivery {
  std::string provider, delivery_id;
  std::string verdict;  // "queued", "ignored: ...", "rejected: ..."
  std::string repository, ref, commit, component;
  std::string body_sha256;
  bool queue = false;  // a build request to dispatch
};

// A verdict record for the ledger (gateway/verdict_record.h), kept until the ledger took it.
struct PendingRecord {
  std::uint64_t seq = 0;
  std::string record_id;
  std::string body;  // canonical JSON
};

struct Recorded {
  bool duplicate = false;
  std::string verdict;  // the first delivery's, for a duplicate
};

class DeliveryStore {
 public:
  static Result<std::unique_ptr<DeliveryStore>> Open(const std::filesystem::path& file);
  ~DeliveryStore();

  // Records `delivery` (queued when delivery.queue) and, in the same transaction, its
  // verdict record for the ledger; a repeat of its (provider, id) returns the first verdict
  // and changes nothing. Safe from any thread; concurrent calls are group-committed (one
  // transaction and one fsync for all that wait), and each returns once its row is durable.
  Result<Recorded> Record(const Delivery& delivery, const std::string& ledger_record);
  // Keeps a verdict record for the ledger; a record_id kept before is not kept again.
  Status AddRecord(const std::string& record_id, const std::string& body);
  // Up to `limit` records the ledger has not yet taken, oldest first.
  Result<std::vector<PendingRecord>> PendingRecords(std::size_t limit);
  // The ledger took record `seq` as its entry `index`.
  Status MarkRecorded(std::uint64_t seq, std::uint64_t index);
  // How many records the ledger has not yet taken.
  Result<std::uint64_t> PendingCount();
  // Records kept after `seq`, oldest first (notifications), or the newest `limit` records,
  // newest first (the feed and the status page).
  Result<std::vector<PendingRecord>> RecordsAfter(std::uint64_t seq, std::size_t limit);
  Result<std::vector<PendingRecord>> NewestRecords(std::size_t limit);
  // How far outbound notifications to `target` have been answered (the record seq).
  Result<std::uint64_t> NotifiedUpTo(const std::string& target);
  Status SetNotifiedUpTo(const std::string& target, std::uint64_t seq);
  // A recorded delivery with its verdict and, once dispatched, the builder's outcome.
  Result<std::optional<std::pair<Delivery, std::string>>> Find(const std::string& provider,
                                                               const std::string& delivery_id);
  // Build requests not yet dispatched.
  Result<std::uint64_t> QueuedCount();
  // The oldest build request not yet dispatched that `accept` takes (a builder of the pool:
  // its components, and not a request that failed on it), marked dispatched (at most once:
  // a crash during its build does not start it again), or nullopt.
  using Acceptor = std::function<bool(const Delivery&)>;
  Result<std::optional<Delivery>> TakeQueued(const Acceptor& accept = nullptr);
  // Puts a dispatched request back in the queue, in its place, with why (a builder that
  // failed during the build: another one may take it).
  Status Requeue(const Delivery& delivery, const std::string& why);
  // What the builder answered for a dispatched delivery.
  Status RecordOutcome(const Delivery& delivery, const std::string& outcome);

 private:
  struct Write;
  explicit DeliveryStore(std::unique_ptr<SqliteDb> db);
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

}  // namespace vigil::gateway
