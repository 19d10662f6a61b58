// The ledgers sharing one PostgreSQL database (docs/SPEC-ledger.md, "Several ledgers"):
// exactly one sequences, the holder of the sequencer lease (pg/lease.h). A ledger starts as
// a standby, polling until the lease is free or expired, takes it with a new epoch, and
// then renews it on its own session every quarter of its time to live. Every append
// transaction checks that epoch, so an old sequencer cut off from the database appends
// nothing once another took over. A sequencer that cannot renew before its lease would
// expire (the database unreachable, or the lease taken over) stops: the process exits, and
// clients that list every ledger's address reach the new sequencer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "pg/connection.h"
#include "pg/lease.h"

namespace vigil::ledger {

class SequencerLease {
 public:
  // Waits until this ledger holds the lease, calling `waiting` once with who holds it while
  // it is a standby. `holder` names this ledger (host and process) in the lease row.
  static Result<std::unique_ptr<SequencerLease>> Acquire(
      const pg::SessionSettings& session, const std::string& holder, std::chrono::milliseconds ttl,
      const std::function<void(const std::string&)>& waiting);
  // Stops renewing and releases the lease, so that a standby takes over at once.
  ~SequencerLease();

  std::int64_t epoch() const { return lease_.epoch; }

  // Renews the lease from now on, on its own thread; `lost` runs once (on that thread) when
  // it cannot be renewed in time.
  void KeepRenewing(std::function<void(const Error&)> lost);

 private:
  SequencerLease(std::unique_ptr<pg::Connection> connection, pg::Lease lease,
                 std::chrono::milliseconds ttl)
      : connection_(std::move(connection)), lease_(std::move(lease)), ttl_(ttl) {}
  void Renew(const std::function<void(const Error&)>& lost);

  std::unique_ptr<pg::Connection> connection_;
  pg::Lease lease_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::condition_variable stop_changed_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vigil::ledger
