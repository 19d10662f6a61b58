// A service host: listens on TCP and Unix sockets, authenticates every caller with mutual
// TLS, asks the policy whether the caller may make the call, and runs the handler
// registered for the service. Every decision goes to the audit log. A binary offers
// services in a few lines:
//
//   auto host = rpc::ServiceHost::Create(options);      // Result<std::unique_ptr<...>>
//   (*host)->Register("vigil.Echo", [](rpc::Call& call) -> asio::awaitable<Status> {
//     while (true) {
//       VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
//       if (!data) co_return OkStatus();                  // the caller half-closed
//       VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*data));
//     }
//   });
//   (*host)->Listen(address);  (*host)->Run();             // until SIGTERM
//
// `vigil.Ping` is built in (it answers "pong"); like every service it needs a policy rule.
// Spec: docs/SPEC-call.md.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/connection_gate.h"
#include "base/result.h"
#include "rpc/address.h"
#include "rpc/call_limits.h"
#include "rpc/call_request.h"
#include "rpc/policy.h"
#include "rpc/tls_context.h"

namespace vigil::rpc {

class Connection;
class ServiceHostImpl;

// A handler's view of one accepted call.
class Call {
 public:
  const CallIdentity& caller() const { return caller_; }
  const std::string& service() const { return request_.service; }
  const std::string& argument() const { return request_.argument; }

  // The caller's next chunk of data; std::nullopt once the caller half-closed.
  asio::awaitable<Result<std::optional<std::string>>> Read();
  // Sends data (split into frames of at most kMinMaxFrame, which every caller accepts).
  asio::awaitable<Status> Write(std::string_view data);
  // Tells the caller no more data follows (the host does this when the handler returns).
  asio::awaitable<Status> CloseWrite();

 private:
  friend class ServiceHostImpl;
  Call(Connection& connection, CallIdentity caller, CallRequest request)
      : connection_(connection), caller_(std::move(caller)), request_(std::move(request)) {}

  Connection& connection_;
  CallIdentity caller_;
  CallRequest request_;
  bool caller_closed_ = false;
  bool we_closed_ = false;
  std::optional<CallError> broken_;  // the caller broke the protocol
  std::string broken_message_;
};

// A handler returns OkStatus (the caller exits 0) or an Error (its code and message).
using Handler = std::function<asio::awaitable<Status>(Call&)>;

struct ServiceHostOptions {
  TlsFiles tls;
  std::filesystem::path policy_dir;
  std::filesystem::path audit_log;  // empty: no audit log (tests only)
  CallLimits limits;                // on the host, connect_timeout is at most pre_auth_timeout
  // Connections at once, and per TCP source address; when full, the oldest connection that
  // has not authenticated yet is closed to make room (docs/SPEC-call.md, "Limits").
  GateLimits gate;
  // A new connection must finish its TLS handshake and send its request within this.
  std::chrono::milliseconds pre_auth_timeout{2'000};
  std::chrono::milliseconds drain_timeout{5'000};  // SIGTERM: how long calls may finish
  bool handle_signals = true;  // SIGHUP reloads the policy; SIGTERM and SIGINT stop
};

class ServiceHost {
 public:
  // Loads the TLS files and the policy. An invalid policy is not an error here: it is
  // reported (stderr and audit log) and every call is denied until a reload fixes it.
  static Result<std::unique_ptr<ServiceHost>> Create(ServiceHostOptions options);
  ~ServiceHost();

  void Register(std::string service, Handler handler);
  // Binds and listens now; returns the bound address (the real port for tcp:HOST:0).
  // A stale Unix socket file is replaced; one that another host listens on is not.
  Result<Address> Listen(const Address& address);
  // Serves until Stop(), SIGTERM or SIGINT; then lets calls finish (drain_timeout).
  Status Run();
  // Thread-safe.
  void Stop();
  // Thread-safe; what SIGHUP does.
  void ReloadPolicy();

  const CallIdentity& identity() const { return identity_; }
  // The current policy's load error, empty when valid (call from the host's thread).
  std::string policy_error() const;

 private:
  explicit ServiceHost(std::unique_ptr<ServiceHostImpl> impl, CallIdentity identity);

  std::unique_ptr<ServiceHostImpl> impl_;
  CallIdentity identity_;
};

// Listens on each address text (unix:PATH or tcp:HOST:PORT) and prints "PROGRAM: NAME
// listening on ADDRESS" for each, with the real port of tcp:HOST:0: scripts wait for and
// read these lines. Stops at the first address that fails.
Status ListenAndAnnounce(ServiceHost& host, const std::vector<std::string>& addresses,
                         std::string_view program);

}  // namespace vigil::rpc
