#include "gateway/dispatcher.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "rpc/audit_log.h"
#include "rpc/call_client.h"

namespace vigil::gateway {
namespace {

// The builder's answer, reduced to what the gateway records: its first line names the
// build (`build ID ...`); its exit says whether it was published.
struct Answer {
  std::string build_line;
  int exit_code = 1;
  std::string message;
};

asio::awaitable<Result<Answer>> Call(asio::io_context& io, const rpc::Peer& builder,
                                     const Delivery& delivery) {
  // A named request: GCC 12 destroys a temporary argument of a co_await twice.
  const rpc::CallRequest request{"vigil.TriggerBuild", delivery.component};
  auto call = co_await builder.Open(io.get_executor(), request);
  if (!call.ok()) co_return call.error();
  const std::string line = "commit " + delivery.commit + "\n";
  (void)co_await (*call)->Write(line);
  (void)co_await (*call)->CloseWrite();
  Answer answer;
  std::string first;
  while (true) {
    auto event = co_await (*call)->Read();
    if (!event.ok()) {
      co_await (*call)->Close();
      co_return event.error();
    }
    if (event->kind == rpc::CallEvent::Kind::kData && answer.build_line.empty()) {
      first += event->data;
      if (const auto newline = first.find('\n'); newline != std::string::npos) {
        answer.build_line = first.substr(0, newline);
      } else if (first.size() > 4096) {
        answer.build_line = first.substr(0, 4096);
      }
    }
    if (event->kind == rpc::CallEvent::Kind::kExit) {
      answer.exit_code = event->exit_code;
      answer.message = event->message;
      break;
    }
  }
  co_await (*call)->Close();
  co_return answer;
}

}  // namespace

Dispatcher::Dispatcher(DeliveryStore& store, std::unique_ptr<rpc::Peer> builder,
                       rpc::AuditLog& audit, std::mutex& audit_mutex)
    : store_(store), builder_(std::move(builder)), audit_(audit), audit_mutex_(audit_mutex) {}

Dispatcher::~Dispatcher() {
  signal_.Stop();
  if (thread_.joinable()) thread_.join();
}

void Dispatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Dispatcher::Wake() { signal_.Wake(); }

void Dispatcher::Run() {
  std::uint64_t seen = 0;
  while (!signal_.stopped()) {
    Result<std::optional<Delivery>> next = store_.TakeQueued();
    if (next.ok() && next->has_value()) {
      const Delivery& delivery = **next;
      const std::string outcome = Dispatch(delivery);
      (void)store_.RecordOutcome(delivery, outcome);
      std::lock_guard<std::mutex> lock(audit_mutex_);
      audit_.Record({{"event", "build dispatched"},
                     {"provider", delivery.provider},
                     {"delivery", delivery.delivery_id},
                     {"component", delivery.component},
                     {"commit", delivery.commit},
                     {"outcome", outcome}});
      continue;
    }
    if (!signal_.WaitFor(std::chrono::seconds(1), seen)) return;
  }
}

std::string Dispatcher::Dispatch(const Delivery& delivery) {
  asio::io_context io;
  Result<Answer> answer = Error::Failed("the call did not run");
  auto run = [&]() -> asio::awaitable<void> { answer = co_await Call(io, *builder_, delivery); };
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return std::string("failed: the call failed: ") + e.what();
  }
  if (!answer.ok()) return "failed: " + answer.error().message();
  if (answer->exit_code != 0) {
    return "failed (exit " + std::to_string(answer->exit_code) + "): " + answer->message;
  }
  return "built: " + answer->build_line;
}

}  // namespace vigil::gateway
