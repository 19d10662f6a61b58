#include "gateway/ledger_recorder.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "gateway/verdict_record.h"
#include "rpc/audit_log.h"
#include "rpc/call_client.h"
#include "tlog/receipt_verifier.h"

namespace vigil::gateway {
namespace {

constexpr std::size_t kBatch = 64;
constexpr std::chrono::milliseconds kFirstRetry(200);
constexpr std::chrono::milliseconds kLastRetry(30000);

}  // namespace

LedgerRecorder::LedgerRecorder(DeliveryStore& store, std::unique_ptr<rpc::Peer> ledger,
                               std::shared_ptr<tlog::ReceiptVerifier> receipts,
                               rpc::AuditLog& audit, std::mutex& audit_mutex)
    : store_(store),
      ledger_(std::move(ledger)),
      receipts_(std::move(receipts)),
      audit_(audit),
      audit_mutex_(audit_mutex) {}

LedgerRecorder::~LedgerRecorder() {
  signal_.Stop();
  if (thread_.joinable()) thread_.join();
}

void LedgerRecorder::Start() {
  thread_ = std::thread([this] { Run(); });
}

void LedgerRecorder::Wake() { signal_.Wake(); }

void LedgerRecorder::Run() {
  std::chrono::milliseconds retry = kFirstRetry;
  std::string last_error;
  std::uint64_t seen = 0;
  while (!signal_.stopped()) {
    Result<std::vector<PendingRecord>> pending = store_.PendingRecords(kBatch);
    Status failed = pending.ok() ? OkStatus() : Status(pending.error());
    for (std::size_t i = 0; failed.ok() && i < pending->size(); ++i) {
      const PendingRecord& record = (*pending)[i];
      Result<std::uint64_t> index = Append(record);
      failed = index.ok() ? store_.MarkRecorded(record.seq, *index) : Status(index.error());
    }
    if (failed.ok()) {
      retry = kFirstRetry;
      last_error.clear();
      if (pending->size() == kBatch) continue;
      if (!signal_.WaitFor(std::chrono::seconds(1), seen)) return;
      continue;
    }
    // The ledger is down or refused: say so once per distinct error, then back off.
    if (failed.error().message() != last_error) {
      last_error = failed.error().message();
      std::lock_guard<std::mutex> lock(audit_mutex_);
      audit_.Record({{"event", "ledger record delayed"}, {"error", last_error}});
    }
    if (!signal_.WaitFor(retry, seen, /*for_wakes=*/false)) return;  // a backoff runs out
    retry = std::min(retry * 2, kLastRetry);
  }
}

Result<std::uint64_t> LedgerRecorder::AppendNow(const std::string& record_id,
                                                const std::string& body) {
  return Append(PendingRecord{.seq = 0, .record_id = record_id, .body = body});
}

Result<std::uint64_t> LedgerRecorder::Append(const PendingRecord& record) {
  const rpc::CallRequest request{"vigil.Append", kVerdictRecordType};
  VIGIL_ASSIGN_OR_RETURN(rpc::CallOutcome outcome, rpc::CallService(ledger_->address, request,
                                                                    ledger_->options, record.body));
  if (outcome.exit_code != 0) {
    return Error::Failed("the ledger refused record " + record.record_id + ": " + outcome.message);
  }
  VIGIL_ASSIGN_OR_RETURN(tlog::Receipt receipt, tlog::ParseReceipt(outcome.output));
  Result<tlog::Checkpoint> proven = receipts_->Verify(receipt);
  if (!proven.ok()) return proven.error().WithContext("the ledger's receipt");
  const nlohmann::json entry =
      nlohmann::json::parse(AsText(*receipt.extra), nullptr, /*allow_exceptions=*/false);
  if (!entry.is_object() || entry.value("record_id", "") != record.record_id) {
    return Error::Failed("the ledger's receipt for " + record.record_id + " is for another entry");
  }
  return receipt.index;
}

}  // namespace vigil::gateway
