// The gateway's durable record of authenticated deliveries (docs/SPEC-gateway.md): each
// (provider, delivery id) once with its verdict, the build requests queued until a
// dispatcher takes them, and the verdict records waiting to be appended to the ledger.
// A delivery the gateway answered survives a crash, and a repeat (a redelivery, a replay) is
// recognised and changes nothing. In SQLite (one gateway) or in PostgreSQL (several
// gateways sharing the queue: docs/SPEC-gateway.md, "The queue in PostgreSQL"). The signed
// commands' approvals stay in SQLite either way (gateway/command_store.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

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

// The store's contract, the same in both implementations. Every method is safe from any
// thread; a write returns once it is durable (committed, and on disk).
class DeliveryStore {
 public:
  // SQLite, WAL, synchronous=FULL, in `file` (STATE_DIR/deliveries.db): for one gateway.
  static Result<std::unique_ptr<DeliveryStore>> Open(const std::filesystem::path& file);
  // The tables in the PostgreSQL database `url` (pg/delivery_tables.h), which several
  // gateways may share: a delivery is recorded once and a request dispatched once across
  // all of them. BadInput for a URL that is not one (pg::CheckDatabaseUrl).
  static Result<std::unique_ptr<DeliveryStore>> OpenDatabase(const std::string& url);
  virtual ~DeliveryStore() = default;

  // Records `delivery` (queued when delivery.queue) and, in the same transaction, its
  // verdict record for the ledger (id VerdictRecordId(delivery)); a repeat of its
  // (provider, id) returns the first verdict and changes nothing. SQLite group-commits
  // concurrent calls (one transaction and one fsync for all that wait).
  virtual Result<Recorded> Record(const Delivery& delivery, const std::string& ledger_record) = 0;
  // Keeps a verdict record for the ledger; a record_id kept before is not kept again.
  virtual Status AddRecord(const std::string& record_id, const std::string& body) = 0;
  // Up to `limit` records the ledger has not yet taken, oldest first.
  virtual Result<std::vector<PendingRecord>> PendingRecords(std::size_t limit) = 0;
  // The ledger took record `seq` as its entry `index`.
  virtual Status MarkRecorded(std::uint64_t seq, std::uint64_t index) = 0;
  // How many records the ledger has not yet taken.
  virtual Result<std::uint64_t> PendingCount() = 0;
  // Records kept after `seq`, oldest first (notifications), or the newest `limit` records,
  // newest first (the feed and the status page). A record's seq is larger than that of
  // every record committed before it.
  virtual Result<std::vector<PendingRecord>> RecordsAfter(std::uint64_t seq, std::size_t limit) = 0;
  virtual Result<std::vector<PendingRecord>> NewestRecords(std::size_t limit) = 0;
  // How far outbound notifications to `target` have been answered (the record seq); it
  // never moves back.
  virtual Result<std::uint64_t> NotifiedUpTo(const std::string& target) = 0;
  virtual Status SetNotifiedUpTo(const std::string& target, std::uint64_t seq) = 0;
  // A recorded delivery with its verdict and, once dispatched, the builder's outcome.
  virtual Result<std::optional<std::pair<Delivery, std::string>>> Find(
      const std::string& provider, const std::string& delivery_id) = 0;
  // Build requests not yet dispatched.
  virtual Result<std::uint64_t> QueuedCount() = 0;
  // The oldest build request not yet dispatched that `accept` takes (a builder of the pool:
  // its components, and not a request that failed on it), among the oldest kTakeScan,
  // marked dispatched (at most once: a crash during its build does not start it again; with
  // PostgreSQL, once across all the gateways), or nullopt. `accept` must be quick.
  static constexpr std::size_t kTakeScan = 256;
  using Acceptor = std::function<bool(const Delivery&)>;
  virtual Result<std::optional<Delivery>> TakeQueued(const Acceptor& accept = nullptr) = 0;
  // Puts a dispatched request back in the queue, in its place, with why (a builder that
  // failed during the build: another one may take it).
  virtual Status Requeue(const Delivery& delivery, const std::string& why) = 0;
  // What the builder answered for a dispatched delivery.
  virtual Status RecordOutcome(const Delivery& delivery, const std::string& outcome) = 0;
};

}  // namespace vigil::gateway
