#include "ledger/build_log_client.h"

#include "ledger/build_log_protocol.h"

namespace vigil::ledger {

asio::awaitable<Result<std::unique_ptr<BuildLogClient>>> BuildLogClient::Open(
    asio::any_io_executor executor, const rpc::Peer& ledger, std::string build_id) {
  const rpc::CallRequest request{"vigil.BuildLog", std::move(build_id)};
  auto call = co_await ledger.Open(executor, request);
  if (!call.ok()) co_return call.error();
  co_return std::unique_ptr<BuildLogClient>(new BuildLogClient(std::move(call).value()));
}

asio::awaitable<Status> BuildLogClient::Log(std::string_view text) {
  const std::string line = FormatLogLine(text);
  co_return co_await call_->Write(line);
}

asio::awaitable<Status> BuildLogClient::Sync() {
  const std::string line = FormatSyncLine();
  co_return co_await call_->Write(line);
}

asio::awaitable<Status> BuildLogClient::Declare(const Artifact& artifact) {
  const std::string line = FormatArtifactLine(artifact);
  co_return co_await call_->Write(line);
}

asio::awaitable<Result<std::string>> BuildLogClient::Close() {
  const std::string line = FormatCloseLine();
  Status closed = co_await call_->Write(line);
  if (closed.ok()) closed = co_await call_->CloseWrite();
  if (!closed.ok()) {
    co_await call_->Close();
    co_return Error::Failed(closed.error().message());
  }
  BuildLogAnswerReader answer;
  Status understood = OkStatus();
  while (true) {
    auto event = co_await call_->Read();
    if (!event.ok()) {
      co_await call_->Close();
      co_return Error::Failed(event.error().message());
    }
    // After a line of another protocol the rest is read to the end but not kept.
    if (event->kind == rpc::CallEvent::Kind::kData && understood.ok()) {
      understood = answer.Append(event->data);
    }
    if (event->kind == rpc::CallEvent::Kind::kExit) {
      co_await call_->Close();
      if (event->exit_code != 0) co_return Error::Failed(event->message);
      if (!understood.ok()) co_return understood.error();
      auto receipt = answer.Receipt();
      if (!receipt.ok()) co_return Error::BadInput(receipt.error().message());
      co_return receipt;
    }
  }
}

asio::awaitable<void> BuildLogClient::Abandon() { co_await call_->Close(); }

}  // namespace vigil::ledger
