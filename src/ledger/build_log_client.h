// The builder's side of vigil.BuildLog+BUILD_ID (ledger/build_log_protocol.h) over a service
// call: the log's lines, keepalives and artifacts go out as they come, and Close() returns
// the ledger's receipt of the build-log entry.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
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

  asio::awaitable<Status> Log(std::string_view text);
  // A keepalive: the ledger answers with an ack, read by Close().
  asio::awaitable<Status> Sync();
  asio::awaitable<Status> Declare(const Artifact& artifact);

  // Sends `close`, half-closes and reads the ledger's answer to its end. Returns the
  // receipt (for tlog::ParseReceipt). Errors: Failed when the ledger did not close the log
  // (the message says why: the call's error or the ledger's); BadInput when it did but its
  // answer held no receipt or a line of another protocol.
  asio::awaitable<Result<std::string>> Close();
  // Ends the call without `close`: the ledger logs the build as truncated.
  asio::awaitable<void> Abandon();

 private:
  explicit BuildLogClient(std::unique_ptr<rpc::ClientCall> call) : call_(std::move(call)) {}
  std::unique_ptr<rpc::ClientCall> call_;
};

}  // namespace vigil::ledger
