// The calling side of a service call: connect, authenticate the service against the
// deployment CA, send the request, then exchange data until the service's exit.
// Spec: docs/SPEC-call.md.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "rpc/address.h"
#include "rpc/call_limits.h"
#include "rpc/call_request.h"
#include "rpc/policy.h"
#include "rpc/tls_context.h"

namespace vigil::rpc {

class Connection;

struct ClientOptions {
  TlsFiles tls;
  // When set, the service's certificate must name this role.
  std::optional<std::string> expect_service_name;
  CallLimits limits;
};

// What the service sent next.
struct CallEvent {
  enum class Kind { kData, kEof, kExit } kind = Kind::kData;
  std::string data;     // kData
  int exit_code = 0;    // kExit: the handler's status (0 success)
  std::string message;  // kExit: the handler's message when it failed
};

class ClientCall {
 public:
  // Connects and waits until the service accepts the call. Errors: kMissingEnv when
  // nothing answers at the address; kFailed for TLS failures, denials, unknown services
  // and timeouts; kBadInput when the service says our request or frames were malformed.
  static asio::awaitable<Result<std::unique_ptr<ClientCall>>> Open(asio::any_io_executor executor,
                                                                   Address address,
                                                                   CallRequest request,
                                                                   std::shared_ptr<TlsContext> tls,
                                                                   ClientOptions options);
  ~ClientCall();

  const CallIdentity& service_identity() const { return service_; }
  asio::awaitable<Status> Write(std::string_view data);
  asio::awaitable<Status> CloseWrite();
  // The next event; after kExit the call is over. An error frame becomes an Error.
  asio::awaitable<Result<CallEvent>> Read();
  // Ends the connection (after kExit, or to abandon the call).
  asio::awaitable<void> Close();
  // Ends it at once, without a clean shutdown: a pending Read or Write fails.
  void Abort();

 private:
  explicit ClientCall(std::shared_ptr<Connection> connection)
      : connection_(std::move(connection)) {}
  std::shared_ptr<Connection> connection_;
  CallIdentity service_;
  std::string request_;
  bool closed_write_ = false;
};

// The whole of one call on its own event loop: sends `input`, half-closes, and collects
// the output until the service's exit.
struct CallOutcome {
  int exit_code = 0;
  std::string message;
  std::string output;
};
Result<CallOutcome> CallService(const Address& address, const CallRequest& request,
                                const ClientOptions& options, std::string_view input);
// The same on the caller's event loop, for services that call other services; fails if the
// answer exceeds `max_output` bytes.
asio::awaitable<Result<CallOutcome>> CallServiceAsync(asio::any_io_executor executor,
                                                      Address address, CallRequest request,
                                                      std::shared_ptr<TlsContext> tls,
                                                      ClientOptions options, std::string input,
                                                      std::size_t max_output = 16 << 20);

// Another role this one calls: where it is, how we authenticate to it, and the TLS context
// made once for every call to it. The peer opens its own calls, so callers do not unpack it.
struct Peer {
  Address address;
  // Where the same role also runs (ledgers sharing one database: only the sequencer
  // listens), tried in order when the one before cannot be reached.
  std::vector<Address> alternates;
  ClientOptions options;
  std::shared_ptr<TlsContext> tls;

  // ClientCall::Open to this peer, on `executor`. The peer must outlive the co_await.
  asio::awaitable<Result<std::unique_ptr<ClientCall>>> Open(asio::any_io_executor executor,
                                                            CallRequest request) const;
  // CallServiceAsync to this peer: the whole of one call on `executor`.
  asio::awaitable<Result<CallOutcome>> CallAsync(asio::any_io_executor executor,
                                                 CallRequest request, std::string input,
                                                 std::size_t max_output = 16 << 20) const;
};

// A peer at `address` (unix:PATH or tcp:HOST:PORT, or several of them separated by commas,
// tried in order), reached with `tls`; when `name` is not empty, its certificate must name
// that role. BadInput for a bad address or TLS files.
Result<Peer> MakePeer(std::string_view address, const TlsFiles& tls, const std::string& name);

// The Error for an error frame from the service (code by CallError, message included).
Error ErrorFromService(CallError error, const std::string& message);

}  // namespace vigil::rpc
