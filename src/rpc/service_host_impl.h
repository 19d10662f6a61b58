// The service host's machinery behind rpc::ServiceHost, in three parts: listening and
// admitting connections (service_listener.cc), serving one connection's call
// (service_connection.cc), and the host's life: policy, run, stop (service_host.cc). The
// handler's view of a call is service_call.cc. Internal to rpc/.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/basic_socket_acceptor.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/connection_gate.h"
#include "rpc/audit_log.h"
#include "rpc/connection.h"
#include "rpc/service_host.h"
#include "rpc/tls.h"

namespace vigil::rpc {

using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;

struct PolicyState {
  std::optional<Policy> policy;
  std::string error;  // why the policy is invalid (every call is denied)
};

class ServiceHostImpl {
 public:
  ServiceHostImpl(ServiceHostOptions options, std::shared_ptr<TlsContext> tls, AuditLog audit)
      : options_(std::move(options)),
        tls_(std::move(tls)),
        audit_(std::move(audit)),
        gate_(options_.gate) {}

  asio::io_context io;
  ServiceHostOptions options_;
  std::shared_ptr<TlsContext> tls_;
  AuditLog audit_;
  ConnectionGate gate_;
  CallIdentity self_;
  std::shared_ptr<const PolicyState> policy_;
  std::map<std::string, Handler, std::less<>> handlers_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  std::vector<std::string> unix_paths_;
  std::size_t active_ = 0;
  bool stopping_ = false;
  std::unique_ptr<asio::steady_timer> drain_timer_;

  // service_host.cc: (re)loads the policy; an invalid one denies every call.
  void LoadPolicy();
  // service_host.cc: closes the listeners, then stops once calls end or drain_timeout passes.
  void BeginStop();

  // service_listener.cc: binds and listens, accepting in the background.
  Result<Address> Listen(const Address& address);

 private:
  using json = nlohmann::json;

  // service_listener.cc: accepts and admits connections until the host stops.
  asio::awaitable<void> Accept(Acceptor& acceptor);
  // Admits one accepted connection through the gate and serves it, or refuses it.
  void Admit(std::shared_ptr<Connection> connection, const std::string& peer,
             const std::string& source);
  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection, ConnectionGate::Ticket ticket,
                              std::string peer);

  // service_connection.cc: one connection's call, from the handshake to the exit frame,
  // each step recording its decision in the audit log.
  asio::awaitable<void> ServeConnection(Connection& connection, ConnectionGate::Ticket& ticket,
                                        const std::string& peer);
  // The caller's identity from its certificate; nullopt when refused.
  asio::awaitable<std::optional<CallIdentity>> Authenticate(Connection& connection,
                                                            ConnectionGate::Ticket& ticket,
                                                            json& record);
  // The call request (the first frame); nullopt when refused.
  asio::awaitable<std::optional<CallRequest>> ReadRequest(Connection& connection, json& record);
  // The policy's decision and the service's handler; nullptr when refused.
  asio::awaitable<const Handler*> Authorize(Connection& connection, const CallIdentity& caller,
                                            const CallRequest& request, json& record);
  // Runs the allowed call's handler and ends the call (exit or error frame, audit record).
  asio::awaitable<void> RunCall(Connection& connection, const Handler& handler,
                                const CallIdentity& caller, const CallRequest& request,
                                const json& record, const std::string& peer);
  // Tells the caller how the call ended and lets it half-close; fills in `end`.
  asio::awaitable<void> EndCall(Connection& connection, Call& call, const Status& result,
                                json& end);
  // Refuses the call with an error frame and records the decision.
  asio::awaitable<void> Refuse(Connection& connection, json record, CallError error,
                               const std::string& message);
};

}  // namespace vigil::rpc
