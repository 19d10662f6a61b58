// The builder's side of vigil.BuildLog+BUILD_ID (ledger/build_log_protocol.h) over a service
// call: the log's lines, keepalives and artifacts go out as they come, and Close() returns
// the ledger's receipt of the build-log entry. The ledger's answer (an `ack N` per chunk
// it made durable, then the receipt) is read all along by a reader of its own: a long
// build's acks left unread would fill the connection until neither side could write.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "ledger/build_entry.h"
#include "rpc/call_client.h"

namespace vigil::ledger {

class BuildLogClient {
 public:
  // Opens the log of `build_id` at `ledger`; the call's error when it cannot.
  static asio::awaitable<Result<std::unique_ptr<BuildLogClient>>> Open(
      asio::any_io_executor executor, const rpc::Peer& ledger, std::string build_id);

  ~BuildLogClient();

  asio::awaitable<Status> Log(std::string_view text);
  // A keepalive: the ledger answers with an ack.
  asio::awaitable<Status> Sync();
  asio::awaitable<Status> Declare(const Artifact& artifact);
  // The lines the ledger has said so far were durable (its last `ack N`).
  std::uint64_t acked() const;

  // Sends `close`, half-closes and reads the ledger's answer to its end. Returns the
  // receipt (for tlog::ParseReceipt). Errors: Failed when the ledger did not close the log
  // (the message says why: the call's error or the ledger's); BadInput when it did but its
  // answer held no receipt or a line of another protocol.
  asio::awaitable<Result<std::string>> Close();
  // Ends the call without `close`: the ledger logs the build as truncated.
  asio::awaitable<void> Abandon();

 private:
  struct Answer;  // what the reader has read, shared with it
  // Reads the ledger's answer until the call ends, keeping the receipt (or why not).
  static asio::awaitable<void> ReadAnswer(std::shared_ptr<rpc::ClientCall> call,
                                          std::shared_ptr<Answer> answer);
  BuildLogClient(std::shared_ptr<rpc::ClientCall> call, std::shared_ptr<Answer> answer)
      : call_(std::move(call)), answer_(std::move(answer)) {}
  std::shared_ptr<rpc::ClientCall> call_;
  std::shared_ptr<Answer> answer_;
};

}  // namespace vigil::ledger
