#include "gateway/dispatcher.h"

#include <algorithm>
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

std::string RequestKey(const Delivery& delivery) {
  return delivery.provider + "\n" + delivery.delivery_id;
}

}  // namespace

Dispatcher::Dispatcher(DeliveryStore& store, std::vector<PoolBuilder> builders,
                       rpc::AuditLog& audit, std::mutex& audit_mutex)
    : store_(store), builders_(std::move(builders)), audit_(audit), audit_mutex_(audit_mutex) {}

Dispatcher::~Dispatcher() {
  signal_.Stop();
  for (std::thread& thread : threads_) thread.join();
}

void Dispatcher::Start() {
  for (const PoolBuilder& builder : builders_) {
    threads_.emplace_back([this, &builder] { Run(builder); });
  }
}

void Dispatcher::Wake() { signal_.Wake(); }

bool Dispatcher::Accepts(const PoolBuilder& builder, const Delivery& delivery) {
  const auto& components = builder.components;
  if (!components.empty() &&
      std::find(components.begin(), components.end(), delivery.component) == components.end()) {
    return false;
  }
  std::lock_guard lock(failed_mutex_);
  auto failed = failed_on_.find(RequestKey(delivery));
  return failed == failed_on_.end() || !failed->second.contains(builder.name);
}

bool Dispatcher::AnotherCanTake(const Delivery& delivery) {
  return std::any_of(builders_.begin(), builders_.end(),
                     [&](const PoolBuilder& other) { return Accepts(other, delivery); });
}

void Dispatcher::Audit(const char* event, const PoolBuilder& builder, const Delivery& delivery,
                       const std::string& outcome) {
  std::lock_guard<std::mutex> lock(audit_mutex_);
  audit_.Record({{"event", event},
                 {"builder", builder.name},
                 {"provider", delivery.provider},
                 {"delivery", delivery.delivery_id},
                 {"component", delivery.component},
                 {"commit", delivery.commit},
                 {"outcome", outcome}});
}

void Dispatcher::Run(const PoolBuilder& builder) {
  std::uint64_t seen = 0;
  while (!signal_.stopped()) {
    Result<std::optional<Delivery>> next =
        store_.TakeQueued([&](const Delivery& d) { return Accepts(builder, d); });
    if (!next.ok() || !next->has_value()) {
      if (!signal_.WaitFor(std::chrono::seconds(1), seen)) return;
      continue;
    }
    const Delivery& delivery = **next;
    const Outcome outcome = Dispatch(builder, delivery);
    if (outcome.builder_failed) {
      {
        std::lock_guard lock(failed_mutex_);
        failed_on_[RequestKey(delivery)].insert(builder.name);
      }
      if (AnotherCanTake(delivery) && store_.Requeue(delivery, "retrying: " + outcome.text).ok()) {
        Audit("build handed back", builder, delivery, outcome.text);
        signal_.Wake();
        // A builder that broke a call rests before it takes more, while others take over.
        if (!signal_.WaitFor(std::chrono::seconds(5), seen, /*for_wakes=*/false)) return;
        continue;
      }
    }
    if (outcome.environment_failed && RetryLater(builder, delivery, outcome)) continue;
    (void)store_.RecordOutcome(delivery, outcome.text);
    {
      std::lock_guard lock(failed_mutex_);
      failed_on_.erase(RequestKey(delivery));
      environment_retries_.erase(RequestKey(delivery));
    }
    Audit("build dispatched", builder, delivery, outcome.text);
  }
}

bool Dispatcher::RetryLater(const PoolBuilder& builder, const Delivery& delivery,
                            const Outcome& outcome) {
  {
    std::lock_guard lock(failed_mutex_);
    int& retries = environment_retries_[RequestKey(delivery)];
    if (retries >= kEnvironmentRetries) return false;
    ++retries;
  }
  // The pause lets what failed recover (a standby ledger takes over in about 2 s) before
  // any builder starts the build again; a stopping gateway hands it back at once.
  std::uint64_t seen = 0;
  (void)signal_.WaitFor(kEnvironmentPause, seen, /*for_wakes=*/false);
  if (!store_.Requeue(delivery, "retrying: " + outcome.text).ok()) return false;
  Audit("build handed back", builder, delivery, outcome.text);
  signal_.Wake();
  return true;
}

Dispatcher::Outcome Dispatcher::Dispatch(const PoolBuilder& builder, const Delivery& delivery) {
  asio::io_context io;
  Result<Answer> answer = Error::Failed("the call did not run");
  auto run = [&]() -> asio::awaitable<void> {
    answer = co_await Call(io, *builder.peer, delivery);
  };
  const std::string on = " (builder " + builder.name + ")";
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return {std::string("failed: the call failed: ") + e.what() + on, true};
  }
  if (!answer.ok()) return {"failed: " + answer.error().message() + on, true};
  if (answer->exit_code != 0) {
    Outcome failed{
        "failed (exit " + std::to_string(answer->exit_code) + "): " + answer->message + on, false};
    failed.environment_failed = answer->exit_code == static_cast<int>(ErrorCode::kMissingEnv);
    return failed;
  }
  return {"built: " + answer->build_line + on, false};
}

}  // namespace vigil::gateway
