// The ledger's services on the service host:
//   vigil.BuildLog+BUILD_ID  a builder streams its log, line by line:
//       log TEXT              one line of output (sanitised and stamped by the ledger)
//       sync                  asks for "ack N" once N lines are durable
//       artifact SHA256 NAME  declares an artifact (before close)
//       close                 the build ended normally; then the caller half-closes
//     The ledger answers "ack N" lines as lines become durable and, after a normal close,
//     "receipt" followed by the tlog-proof of the build-log entry. A stream that breaks
//     or ends without close is logged with status "truncated".
//   vigil.Append+TYPE  appends one canonical JSON record of that type (e.g. the signer's
//     "signature" records); answers its tlog-proof. A record with a "record_id" is appended
//     once per (TYPE, record_id): a repeat is answered with the first one's tlog-proof.
// Spec: docs/SPEC-ledger.md.
#pragma once

#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "ledger/build_logs.h"
#include "rpc/service_host.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace vigil::ledger {

class LedgerService {
 public:
  LedgerService(tlog::LogStore& store, tlog::Sequencer& sequencer, BuildLogs& logs)
      : store_(store), sequencer_(sequencer), logs_(logs) {}

  void RegisterWith(rpc::ServiceHost& host);

  // At start-up: every log file without a build-log entry (the ledger died while it
  // streamed) gets its entry, with status truncated. Returns how many.
  Result<std::size_t> RecoverInterruptedBuilds();

 private:
  asio::awaitable<Status> BuildLog(rpc::Call& call);
  asio::awaitable<Status> Append(rpc::Call& call);
  // The index of the entry (type, id) if there is one, else of `record`, appended now.
  asio::awaitable<Result<std::uint64_t>> AppendOnce(const std::string& type,
                                                    const std::optional<std::string>& id,
                                                    Bytes record);

  tlog::LogStore& store_;
  tlog::Sequencer& sequencer_;
  BuildLogs& logs_;
  std::mutex appending_mutex_;
  std::set<std::string> appending_;  // "TYPE\nRECORD_ID" of records being appended
};

}  // namespace vigil::ledger
