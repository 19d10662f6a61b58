// One connection on the service host: the TLS handshake and the caller's certificate, the
// call request, the policy's decision, the handler, and the end of the call, each step
// recorded in the audit log (docs/SPEC-call.md).
#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include "rpc/service_host_impl.h"

namespace vigil::rpc {
namespace {

using json = nlohmann::json;

// After the handler ends, the caller gets this long to half-close before we close.
constexpr std::chrono::seconds kLingerTimeout{2};

json IdentityJson(const CallIdentity& identity) {
  return {{"name", identity.name}, {"tags", identity.tags}};
}

}  // namespace

asio::awaitable<void> ServiceHostImpl::Refuse(Connection& connection, json record, CallError error,
                                              const std::string& message) {
  record["decision"] = "deny";
  record["error"] = std::string(CallErrorName(error));
  if (!record.contains("reason")) record["reason"] = message;
  audit_.Record(std::move(record));
  Status sent = co_await connection.WriteFrame(
      FrameType::kError, EncodeCodeMessage(static_cast<std::uint8_t>(error), message));
  if (sent.ok()) co_await connection.Shutdown();
}

asio::awaitable<void> ServiceHostImpl::ServeConnection(Connection& connection,
                                                       ConnectionGate::Ticket& ticket,
                                                       const std::string& peer) {
  connection.StartWatchdog();
  json record = {{"event", "call"}, {"peer", peer}};
  std::optional<CallIdentity> caller = co_await Authenticate(connection, ticket, record);
  if (!caller) co_return;
  std::optional<CallRequest> request = co_await ReadRequest(connection, record);
  if (!request) co_return;
  const Handler* handler = co_await Authorize(connection, *caller, *request, record);
  if (handler == nullptr) co_return;
  co_await RunCall(connection, *handler, *caller, *request, record, peer);
}

asio::awaitable<std::optional<CallIdentity>> ServiceHostImpl::Authenticate(
    Connection& connection, ConnectionGate::Ticket& ticket, json& record) {
  Status handshake = co_await connection.Handshake(TlsSide::kServer);
  if (!handshake.ok()) {
    record["event"] = "handshake";
    record["decision"] = "deny";
    record["reason"] = handshake.error().message();
    audit_.RecordUnauthenticated(std::move(record));
    co_return std::nullopt;
  }
  auto caller = PeerIdentity(connection.ssl());
  if (!caller.ok()) {
    const std::string message = "unusable certificate: " + caller.error().message();
    co_await Refuse(connection, std::move(record), CallError::kDenied, message);
    co_return std::nullopt;
  }
  ticket.Trust();  // authenticated: no longer closed to make room
  record["caller"] = IdentityJson(*caller);
  co_return std::move(caller).value();
}

asio::awaitable<std::optional<CallRequest>> ServiceHostImpl::ReadRequest(Connection& connection,
                                                                         json& record) {
  // A first frame declaring more than a request may hold is refused before its payload
  // is read: the caller gets "too large" now, not once it has sent up to max_frame bytes.
  FrameFailure failure = FrameFailure::kNone;
  std::size_t max_request = kMaxRequestSize;
  auto first = co_await connection.ReadFrame(&failure, max_request);
  if (!first.ok()) {
    if (failure == FrameFailure::kTooLarge || failure == FrameFailure::kMalformed ||
        failure == FrameFailure::kTimeout) {
      CallError error = failure == FrameFailure::kTooLarge  ? CallError::kTooLarge
                        : failure == FrameFailure::kTimeout ? CallError::kTimeout
                                                            : CallError::kMalformed;
      co_await Refuse(connection, std::move(record), error, first.error().message());
      co_return std::nullopt;
    }
    record["decision"] = "deny";
    record["reason"] = "no request: " + first.error().message();
    audit_.Record(std::move(record));
    co_return std::nullopt;
  }
  if (first->type != FrameType::kRequest) {
    const std::string message = "the first frame must be a request of at most 512 bytes";
    co_await Refuse(connection, std::move(record), CallError::kMalformed, message);
    co_return std::nullopt;
  }
  auto request = ParseCallRequest(first->payload);
  if (!request.ok()) {
    co_await Refuse(connection, std::move(record), CallError::kMalformed,
                    request.error().message());
    co_return std::nullopt;
  }
  record["service"] = request->service;
  record["argument"] = request->argument;
  co_return std::move(request).value();
}

asio::awaitable<const Handler*> ServiceHostImpl::Authorize(Connection& connection,
                                                           const CallIdentity& caller,
                                                           const CallRequest& request,
                                                           json& record) {
  std::shared_ptr<const PolicyState> policy = policy_;
  if (!policy->policy) {
    record["reason"] = "the policy is invalid: " + policy->error;
    record["rule"] = nullptr;
    const std::string message = "denied: the service's policy is invalid";
    co_await Refuse(connection, std::move(record), CallError::kDenied, message);
    co_return nullptr;
  }
  PolicyDecision decision =
      policy->policy->Evaluate(request.service, request.argument, caller, self_);
  record["rule"] = decision.rule == nullptr
                       ? json(nullptr)
                       : json(decision.rule->file + ":" + std::to_string(decision.rule->line));
  if (!decision.allow) {
    record["reason"] = decision.Explain();
    const std::string message = "denied by the service's policy";
    co_await Refuse(connection, std::move(record), CallError::kDenied, message);
    co_return nullptr;
  }
  if (decision.redirected) {
    record["reason"] = "the policy redirects the call to " + decision.target;
    const std::string message = "denied: the policy sends this call to " + decision.target;
    co_await Refuse(connection, std::move(record), CallError::kDenied, message);
    co_return nullptr;
  }
  auto handler = handlers_.find(request.service);
  if (handler == handlers_.end()) {
    record["reason"] = "allowed, but no such service";
    const std::string message = "no service " + request.service + " here";
    co_await Refuse(connection, std::move(record), CallError::kUnknownService, message);
    co_return nullptr;
  }
  record["decision"] = "allow";
  record["reason"] = decision.Explain();
  audit_.Record(record);
  co_return &handler->second;
}

asio::awaitable<void> ServiceHostImpl::RunCall(Connection& connection, const Handler& handler,
                                               const CallIdentity& caller,
                                               const CallRequest& request, const json& record,
                                               const std::string& peer) {
  connection.EnterCall();
  auto started = std::chrono::steady_clock::now();
  Status accepted = co_await connection.WriteFrame(FrameType::kAccept, {});
  if (!accepted.ok()) co_return;
  Call call(connection, caller, request);
  Status result = Error::Failed("the service failed");
  try {
    result = co_await handler(call);
  } catch (const std::exception& e) {
    result = Error::Failed(std::string("the service failed: ") + e.what());
  }

  json end = {{"event", "end"},
              {"peer", peer},
              {"caller", record.at("caller")},
              {"service", request.service},
              {"argument", request.argument}};
  co_await EndCall(connection, call, result, end);
  end["bytes_in"] = connection.bytes_in();
  end["bytes_out"] = connection.bytes_out();
  end["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  audit_.Record(std::move(end));
  co_await connection.Shutdown();
}

asio::awaitable<void> ServiceHostImpl::EndCall(Connection& connection, Call& call,
                                               const Status& result, json& end) {
  if (!connection.timeout_reason().empty() || call.broken_) {
    CallError error = call.broken_ ? *call.broken_ : CallError::kTimeout;
    std::string message =
        call.broken_ ? call.broken_message_ : "the call ended: " + connection.timeout_reason();
    end["result"] = std::string(CallErrorName(error)) + ": " + message;
    Status sent = co_await connection.WriteFrame(
        FrameType::kError, EncodeCodeMessage(static_cast<std::uint8_t>(error), message));
    (void)sent;  // the caller may be gone; the audit record says what happened
    co_return;
  }
  int code = result.ok() ? 0 : result.error().exit_code();
  std::string message = result.ok() ? "" : result.error().message();
  end["result"] =
      result.ok() ? std::string("exit 0") : "exit " + std::to_string(code) + ": " + message;
  Status sent = co_await call.CloseWrite();
  if (sent.ok()) {
    sent = co_await connection.WriteFrame(
        FrameType::kExit, EncodeCodeMessage(static_cast<std::uint8_t>(code), message));
  }
  // Read what the caller still sends until it half-closes, so closing does not reset the
  // connection before the caller has read our exit frame.
  connection.EndWithin(kLingerTimeout);
  while (!call.caller_closed_ && !call.broken_) {
    auto data = co_await call.Read();
    if (!data.ok()) break;
  }
}

}  // namespace vigil::rpc
