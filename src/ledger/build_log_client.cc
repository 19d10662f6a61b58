#include "ledger/build_log_client.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include "ledger/build_log_protocol.h"

namespace vigil::ledger {

struct BuildLogClient::Answer {
  explicit Answer(asio::any_io_executor executor) : done(executor) {
    this->done.expires_at(asio::steady_timer::time_point::max());
  }
  BuildLogAnswerReader reader;
  Status understood = OkStatus();
  std::optional<Result<std::string>> outcome;  // set once the call is over
  asio::steady_timer done;                     // cancelled when `outcome` is set
};

asio::awaitable<void> BuildLogClient::ReadAnswer(std::shared_ptr<rpc::ClientCall> call,
                                                 std::shared_ptr<Answer> answer) {
  while (true) {
    auto event = co_await call->Read();
    if (!event.ok()) {
      answer->outcome = Error::Failed(event.error().message());
      break;
    }
    // After a line of another protocol the rest is read to the end but not kept.
    if (event->kind == rpc::CallEvent::Kind::kData && answer->understood.ok()) {
      answer->understood = answer->reader.Append(event->data);
    }
    if (event->kind == rpc::CallEvent::Kind::kExit) {
      if (event->exit_code != 0) {
        answer->outcome = Error::Failed(event->message);
      } else if (!answer->understood.ok()) {
        answer->outcome = answer->understood.error();
      } else {
        auto receipt = answer->reader.Receipt();
        answer->outcome = receipt.ok() ? receipt : Error::BadInput(receipt.error().message());
      }
      break;
    }
  }
  answer->done.cancel();
}

asio::awaitable<Result<std::unique_ptr<BuildLogClient>>> BuildLogClient::Open(
    asio::any_io_executor executor, const rpc::Peer& ledger, std::string build_id) {
  const rpc::CallRequest request{"vigil.BuildLog", std::move(build_id)};
  auto opened = co_await ledger.Open(executor, request);
  if (!opened.ok()) co_return opened.error();
  std::shared_ptr<rpc::ClientCall> call = std::move(opened).value();
  auto answer = std::make_shared<Answer>(executor);
  asio::co_spawn(executor, ReadAnswer(call, answer), asio::detached);
  co_return std::unique_ptr<BuildLogClient>(new BuildLogClient(call, answer));
}

// The reader shares the call: end it here, as destroying our only handle to it used to.
BuildLogClient::~BuildLogClient() {
  if (!answer_->outcome) call_->Abort();
}

std::uint64_t BuildLogClient::acked() const { return answer_->reader.acked(); }

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
  if (!answer_->outcome) {
    (void)co_await answer_->done.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
  }
  co_await call_->Close();
  if (!answer_->outcome) co_return Error::Failed("the ledger's answer ended without a result");
  co_return *answer_->outcome;
}

asio::awaitable<void> BuildLogClient::Abandon() { co_await call_->Close(); }

}  // namespace vigil::ledger
