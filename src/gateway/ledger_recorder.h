// Appends the gateway's verdict records to the ledger (docs/SPEC-gateway.md, "Verdicts in
// the ledger"): oldest first, one vigil.Append+gateway-verdict call each, checking the
// ledger's receipt against its pinned key before the record counts as logged. A record is
// kept in the gateway's store until then, so a ledger that is down, or a gateway killed
// mid-call, delays records but loses none; the record's id makes a retry append nothing
// new (the ledger answers the first entry's receipt).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/result.h"
#include "gateway/delivery_store.h"
#include "gateway/wake_signal.h"

namespace vigil::rpc {
class AuditLog;
struct Peer;
}  // namespace vigil::rpc

namespace vigil::tlog {
class ReceiptVerifier;
}  // namespace vigil::tlog

namespace vigil::gateway {

class LedgerRecorder {
 public:
  LedgerRecorder(DeliveryStore& store, std::unique_ptr<rpc::Peer> ledger,
                 std::shared_ptr<tlog::ReceiptVerifier> receipts, rpc::AuditLog& audit,
                 std::mutex& audit_mutex);
  ~LedgerRecorder();  // stops after the call in progress
  void Start();
  // A record was kept: send it now rather than at the next poll.
  void Wake();
  // Appends a record at once (from any thread), for a decision that must be in the ledger
  // before it takes effect (a promotion); the ledger's index for it.
  Result<std::uint64_t> AppendNow(const std::string& record_id, const std::string& body);

 private:
  void Run();
  // Appends one record; the ledger's index for it.
  Result<std::uint64_t> Append(const PendingRecord& record);

  DeliveryStore& store_;
  std::unique_ptr<rpc::Peer> ledger_;
  std::shared_ptr<tlog::ReceiptVerifier> receipts_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  WakeSignal signal_;
  std::thread thread_;
};

}  // namespace vigil::gateway
