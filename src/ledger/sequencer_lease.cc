#include "ledger/sequencer_lease.h"

namespace vigil::ledger {

Result<std::unique_ptr<SequencerLease>> SequencerLease::Acquire(
    const pg::SessionSettings& session, const std::string& holder, std::chrono::milliseconds ttl,
    const std::function<void(const std::string&)>& waiting) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<pg::Connection> connection, pg::Connection::Open(session));
  bool told = false;
  // A standby polls often enough that failover stays within the lease's time to live and a
  // fraction of it.
  const auto poll = std::max(std::chrono::milliseconds(50), ttl / 8);
  for (;;) {
    Result<pg::Lease> lease = pg::AcquireLease(*connection, holder, ttl);
    if (lease.ok()) {
      return std::unique_ptr<SequencerLease>(
          new SequencerLease(std::move(connection), std::move(lease).value(), ttl));
    }
    // Held by another ledger, or the database is away for now: a standby waits either way.
    if (!told && waiting) waiting(lease.error().message());
    told = true;
    std::this_thread::sleep_for(poll);
  }
}

SequencerLease::~SequencerLease() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)pg::ReleaseLease(*connection_, lease_);
}

void SequencerLease::KeepRenewing(std::function<void(const Error&)> lost) {
  thread_ = std::thread([this, lost = std::move(lost)] { Renew(lost); });
}

void SequencerLease::Renew(const std::function<void(const Error&)>& lost) {
  auto renewed = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_changed_.wait_for(lock, ttl_ / 4, [this] { return stop_; })) {
    lock.unlock();
    Status renewal = pg::RenewLease(*connection_, lease_, ttl_);
    const auto now = std::chrono::steady_clock::now();
    lock.lock();
    if (renewal.ok()) {
      renewed = now;
      continue;
    }
    // Taken over, or not renewed for most of the lease: another ledger may sequence by now.
    const bool taken =
        renewal.error().message().find("lost the sequencer lease") != std::string::npos;
    if (taken || now - renewed >= ttl_ - ttl_ / 4) {
      lost(renewal.error());
      return;
    }
  }
}

}  // namespace vigil::ledger
