#include "rpc/service_host.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/post.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "rpc/audit_log.h"

namespace vigil::rpc {
namespace {

using Acceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;
using json = nlohmann::json;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// After the handler ends, the caller gets this long to half-close before we close.
constexpr std::chrono::seconds kLingerTimeout{2};

// The peer's TCP endpoint as IP address and port, or "unix".
std::optional<asio::ip::tcp::endpoint> TcpPeer(const Socket& socket) {
  asio::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (error) return std::nullopt;
  if (endpoint.protocol().family() != AF_INET && endpoint.protocol().family() != AF_INET6) {
    return std::nullopt;
  }
  asio::ip::tcp::endpoint tcp;
  tcp.resize(endpoint.size());
  std::memcpy(tcp.data(), endpoint.data(), endpoint.size());
  return tcp;
}

std::string Describe(const Socket& socket) {
  if (auto tcp = TcpPeer(socket)) {
    return tcp->address().to_string() + ":" + std::to_string(tcp->port());
  }
  asio::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  if (!error && endpoint.protocol().family() == AF_UNIX) return "unix";
  return "unknown";
}

// The source the connection limits count per: a TCP peer's address; "" (no per-source
// limit) for Unix-socket peers, whom the file's permissions already vouch for.
std::string SourceOf(const Socket& socket) {
  auto tcp = TcpPeer(socket);
  return tcp ? tcp->address().to_string() : std::string();
}

json IdentityJson(const CallIdentity& identity) {
  return {{"name", identity.name}, {"tags", identity.tags}};
}

// Replaces a Unix socket file nobody listens on; refuses anything else at `path`.
Status ClearStaleSocket(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return Error::BadInput(path + " exists and is not a socket; choose another path");
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  bool live =
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 || errno != ECONNREFUSED;
  ::close(fd);
  if (live) return Error::BadInput("another process listens on " + path);
  ::unlink(path.c_str());
  return OkStatus();
}

}  // namespace

// ---- Call ----

asio::awaitable<Result<std::optional<std::string>>> Call::Read() {
  if (caller_closed_) co_return std::optional<std::string>();
  if (broken_) co_return Error::BadInput(broken_message_);
  FrameFailure failure = FrameFailure::kNone;
  auto frame = co_await connection_.ReadFrame(&failure);
  if (!frame.ok()) {
    if (failure == FrameFailure::kMalformed || failure == FrameFailure::kTooLarge) {
      broken_ = failure == FrameFailure::kTooLarge ? CallError::kTooLarge : CallError::kMalformed;
      broken_message_ = frame.error().message();
    }
    co_return frame.error();
  }
  if (frame->type == FrameType::kEof && frame->payload.empty()) {
    caller_closed_ = true;
    co_return std::optional<std::string>();
  }
  if (frame->type == FrameType::kData && !frame->payload.empty()) {
    co_return std::optional<std::string>(std::move(frame->payload));
  }
  broken_ = CallError::kMalformed;
  broken_message_ = "the caller sent " + DescribeMisplacedFrame(frame->type, frame->payload.size());
  co_return Error::BadInput(broken_message_);
}

asio::awaitable<Status> Call::Write(std::string_view data) {
  if (we_closed_) co_return Error::Failed("the call's output was already closed");
  while (!data.empty()) {
    std::string_view piece = data.substr(0, kMinMaxFrame);  // what every caller accepts
    VIGIL_CO_RETURN_IF_ERROR(co_await connection_.WriteFrame(FrameType::kData, piece));
    data.remove_prefix(piece.size());
  }
  co_return OkStatus();
}

asio::awaitable<Status> Call::CloseWrite() {
  if (we_closed_) co_return OkStatus();
  we_closed_ = true;
  co_return co_await connection_.WriteFrame(FrameType::kEof, {});
}

// ---- ServiceHost ----

struct PolicyState {
  std::optional<Policy> policy;
  std::string error;  // why the policy is invalid (every call is denied)
};

class ServiceHostImpl {
 public:
  ServiceHostImpl(ServiceHostOptions options, std::shared_ptr<asio::ssl::context> tls,
                  AuditLog audit)
      : options_(std::move(options)),
        tls_(std::move(tls)),
        audit_(std::move(audit)),
        gate_(options_.gate) {}

  asio::io_context io;
  ServiceHostOptions options_;
  std::shared_ptr<asio::ssl::context> tls_;
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

  void LoadPolicy() {
    auto state = std::make_shared<PolicyState>();
    auto policy = Policy::Load(options_.policy_dir);
    if (policy.ok()) {
      state->policy = std::move(*policy);
      audit_.Record({{"event", "policy"},
                     {"result", "loaded"},
                     {"dir", options_.policy_dir.string()},
                     {"rules", state->policy->rules().size()}});
    } else {
      state->error = policy.error().message();
      std::fprintf(stderr, "vigil: policy invalid, denying every call: %s\n", state->error.c_str());
      audit_.Record({{"event", "policy"},
                     {"result", "invalid"},
                     {"dir", options_.policy_dir.string()},
                     {"error", state->error}});
    }
    policy_ = std::move(state);
  }

  asio::awaitable<void> Accept(Acceptor& acceptor) {
    while (!stopping_) {
      auto [error, socket] = co_await acceptor.async_accept(kNoThrow);
      if (error) {
        if (error == asio::error::operation_aborted || stopping_) co_return;
        // EMFILE and the like: say so, back off briefly, keep serving.
        std::fprintf(stderr, "vigil: accept failed: %s\n", error.message().c_str());
        asio::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      std::string peer = Describe(socket);
      const std::string source = SourceOf(socket);
      if (!source.empty()) socket.set_option(asio::ip::tcp::no_delay(true), error);
      CallLimits limits = options_.limits;
      limits.connect_timeout = std::min(limits.connect_timeout, options_.pre_auth_timeout);
      auto connection = std::make_shared<Connection>(std::move(socket), *tls_, limits);
      ConnectionGate::Refusal refusal;
      ConnectionGate::Ticket ticket = gate_.Admit(
          source,
          [this, peer, weak = std::weak_ptr<Connection>(connection)] {
            audit_.RecordUnauthenticated({{"event", "connection"},
                                          {"peer", peer},
                                          {"decision", "evicted"},
                                          {"reason",
                                           "closed before it authenticated, to make "
                                           "room: the host is at its connection limit"}});
            if (auto c = weak.lock()) c->Close();
          },
          &refusal);
      if (!ticket.admitted()) {
        audit_.RecordUnauthenticated(
            {{"event", "connection"},
             {"peer", peer},
             {"decision", "deny"},
             {"reason", refusal == ConnectionGate::Refusal::kSourceFull
                            ? "too many connections from " + source + " (at most " +
                                  std::to_string(options_.gate.max_per_source) + ")"
                            : "too many connections (at most " +
                                  std::to_string(options_.gate.max_connections) +
                                  ", every one authenticated)"}});
        connection->Close();
        continue;
      }
      ++active_;
      asio::co_spawn(io, Serve(std::move(connection), std::move(ticket), std::move(peer)),
                     asio::detached);
    }
  }

  asio::awaitable<void> Serve(std::shared_ptr<Connection> connection, ConnectionGate::Ticket ticket,
                              std::string peer) {
    try {
      co_await ServeConnection(*connection, ticket, peer);
    } catch (const std::exception& e) {
      audit_.Record({{"event", "end"},
                     {"peer", peer},
                     {"result", std::string("internal error: ") + e.what()}});
    }
    connection->Close();
    --active_;
    if (stopping_ && active_ == 0) io.stop();
  }

  // Refuses the call with an error frame and records the decision.
  asio::awaitable<void> Refuse(Connection& connection, json record, CallError error,
                               const std::string& message) {
    record["decision"] = "deny";
    record["error"] = std::string(CallErrorName(error));
    if (!record.contains("reason")) record["reason"] = message;
    audit_.Record(std::move(record));
    Status sent = co_await connection.WriteFrame(
        FrameType::kError, EncodeCodeMessage(static_cast<std::uint8_t>(error), message));
    if (sent.ok()) co_await connection.Shutdown();
  }

  asio::awaitable<void> ServeConnection(Connection& connection, ConnectionGate::Ticket& ticket,
                                        const std::string& peer) {
    connection.StartWatchdog();
    json record = {{"event", "call"}, {"peer", peer}};
    Status handshake = co_await connection.Handshake(TlsSide::kServer);
    if (!handshake.ok()) {
      record["event"] = "handshake";
      record["decision"] = "deny";
      record["reason"] = handshake.error().message();
      audit_.RecordUnauthenticated(std::move(record));
      co_return;
    }
    auto caller = PeerIdentity(connection.ssl());
    if (!caller.ok()) {
      co_return co_await Refuse(connection, std::move(record), CallError::kDenied,
                                "unusable certificate: " + caller.error().message());
    }
    ticket.Trust();  // authenticated: no longer closed to make room
    record["caller"] = IdentityJson(*caller);

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
        co_return co_await Refuse(connection, std::move(record), error, first.error().message());
      }
      record["decision"] = "deny";
      record["reason"] = "no request: " + first.error().message();
      audit_.Record(std::move(record));
      co_return;
    }
    if (first->type != FrameType::kRequest) {
      co_return co_await Refuse(connection, std::move(record), CallError::kMalformed,
                                "the first frame must be a request of at most 512 bytes");
    }
    auto request = ParseCallRequest(first->payload);
    if (!request.ok()) {
      co_return co_await Refuse(connection, std::move(record), CallError::kMalformed,
                                request.error().message());
    }
    record["service"] = request->service;
    record["argument"] = request->argument;

    std::shared_ptr<const PolicyState> policy = policy_;
    if (!policy->policy) {
      record["reason"] = "the policy is invalid: " + policy->error;
      record["rule"] = nullptr;
      co_return co_await Refuse(connection, std::move(record), CallError::kDenied,
                                "denied: the service's policy is invalid");
    }
    PolicyDecision decision =
        policy->policy->Evaluate(request->service, request->argument, *caller, self_);
    record["rule"] = decision.rule == nullptr
                         ? json(nullptr)
                         : json(decision.rule->file + ":" + std::to_string(decision.rule->line));
    if (!decision.allow) {
      record["reason"] = decision.Explain();
      co_return co_await Refuse(connection, std::move(record), CallError::kDenied,
                                "denied by the service's policy");
    }
    if (decision.redirected) {
      record["reason"] = "the policy redirects the call to " + decision.target;
      co_return co_await Refuse(connection, std::move(record), CallError::kDenied,
                                "denied: the policy sends this call to " + decision.target);
    }
    auto handler = handlers_.find(request->service);
    if (handler == handlers_.end()) {
      record["reason"] = "allowed, but no such service";
      co_return co_await Refuse(connection, std::move(record), CallError::kUnknownService,
                                "no service " + request->service + " here");
    }
    record["decision"] = "allow";
    record["reason"] = decision.Explain();
    audit_.Record(record);

    connection.EnterCall();
    auto started = std::chrono::steady_clock::now();
    Status accepted = co_await connection.WriteFrame(FrameType::kAccept, {});
    if (!accepted.ok()) co_return;
    Call call(connection, *caller, *request);
    Status result = Error::Failed("the service failed");
    try {
      result = co_await handler->second(call);
    } catch (const std::exception& e) {
      result = Error::Failed(std::string("the service failed: ") + e.what());
    }

    json end = {{"event", "end"},
                {"peer", peer},
                {"caller", record["caller"]},
                {"service", request->service},
                {"argument", request->argument}};
    if (!connection.timeout_reason().empty() || call.broken_) {
      CallError error = call.broken_ ? *call.broken_ : CallError::kTimeout;
      std::string message =
          call.broken_ ? call.broken_message_ : "the call ended: " + connection.timeout_reason();
      end["result"] = std::string(CallErrorName(error)) + ": " + message;
      Status sent = co_await connection.WriteFrame(
          FrameType::kError, EncodeCodeMessage(static_cast<std::uint8_t>(error), message));
      (void)sent;  // the caller may be gone; the audit record says what happened
    } else {
      int code = result.ok() ? 0 : result.error().exit_code();
      std::string message = result.ok() ? "" : result.error().message();
      end["result"] =
          result.ok() ? std::string("exit 0") : "exit " + std::to_string(code) + ": " + message;
      Status sent = co_await call.CloseWrite();
      if (sent.ok()) {
        sent = co_await connection.WriteFrame(
            FrameType::kExit, EncodeCodeMessage(static_cast<std::uint8_t>(code), message));
      }
      // Read what the caller still sends until it half-closes, so closing does not
      // reset the connection before the caller has read our exit frame.
      connection.EndWithin(kLingerTimeout);
      while (!call.caller_closed_ && !call.broken_) {
        auto data = co_await call.Read();
        if (!data.ok()) break;
      }
    }
    end["bytes_in"] = connection.bytes_in();
    end["bytes_out"] = connection.bytes_out();
    end["duration_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    audit_.Record(std::move(end));
    co_await connection.Shutdown();
  }

  Result<Address> Listen(const Address& address) {
    auto acceptor = std::make_unique<Acceptor>(io);
    asio::error_code error;
    Address bound = address;
    asio::generic::stream_protocol::endpoint endpoint;
    if (address.kind == Address::Kind::kUnix) {
      VIGIL_RETURN_IF_ERROR(ClearStaleSocket(address.path));
      endpoint = asio::local::stream_protocol::endpoint(address.path);
    } else {
      asio::ip::tcp::resolver resolver(io);
      auto results = resolver.resolve(address.host, std::to_string(address.port),
                                      asio::ip::tcp::resolver::passive, error);
      if (error || results.empty()) {
        return Error::BadInput("cannot resolve " + address.host + ": " + error.message());
      }
      endpoint = results.begin()->endpoint();
    }
    acceptor->open(endpoint.protocol(), error);
    if (!error && address.kind == Address::Kind::kTcp) {
      acceptor->set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) acceptor->bind(endpoint, error);
    if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return Error::MissingEnv("cannot listen on " + address.ToString() + ": " + error.message());
    }
    if (address.kind == Address::Kind::kTcp) {
      auto local = acceptor->local_endpoint(error);
      asio::ip::tcp::endpoint tcp;
      tcp.resize(local.size());
      std::memcpy(tcp.data(), local.data(), local.size());
      bound.port = tcp.port();
    } else {
      unix_paths_.push_back(address.path);
    }
    Acceptor& ref = *acceptor;
    acceptors_.push_back(std::move(acceptor));
    asio::co_spawn(io, Accept(ref), asio::detached);
    return bound;
  }

  void BeginStop() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& acceptor : acceptors_) {
      asio::error_code ignored;
      acceptor->close(ignored);
    }
    for (const auto& path : unix_paths_) ::unlink(path.c_str());
    if (active_ == 0) {
      io.stop();
      return;
    }
    drain_timer_ = std::make_unique<asio::steady_timer>(io, options_.drain_timeout);
    drain_timer_->async_wait([this](const asio::error_code&) { io.stop(); });
  }
};

ServiceHost::ServiceHost(std::unique_ptr<ServiceHostImpl> impl, CallIdentity identity)
    : impl_(std::move(impl)), identity_(std::move(identity)) {}

ServiceHost::~ServiceHost() {
  for (const auto& path : impl_->unix_paths_) ::unlink(path.c_str());
}

Result<std::unique_ptr<ServiceHost>> ServiceHost::Create(ServiceHostOptions options) {
  VIGIL_RETURN_IF_ERROR(CheckMaxFrame(options.limits.max_frame));
  std::error_code ec;
  options.policy_dir = std::filesystem::absolute(options.policy_dir, ec);  // for audit lines
  VIGIL_ASSIGN_OR_RETURN(auto tls, MakeTlsContext(options.tls, TlsSide::kServer));
  VIGIL_ASSIGN_OR_RETURN(CallIdentity self, IdentityOfCertificateFile(options.tls.certificate));
  VIGIL_ASSIGN_OR_RETURN(AuditLog audit, AuditLog::Open(options.audit_log));
  auto impl =
      std::make_unique<ServiceHostImpl>(std::move(options), std::move(tls), std::move(audit));
  impl->self_ = self;
  impl->LoadPolicy();
  std::unique_ptr<ServiceHost> host(new ServiceHost(std::move(impl), std::move(self)));
  host->Register("vigil.Ping", [](Call& call) -> asio::awaitable<Status> {
    co_return co_await call.Write("pong\n");
  });
  return host;
}

void ServiceHost::Register(std::string service, Handler handler) {
  impl_->handlers_[std::move(service)] = std::move(handler);
}

Result<Address> ServiceHost::Listen(const Address& address) {
  try {
    return impl_->Listen(address);
  } catch (const std::exception& e) {
    return Error::MissingEnv("cannot listen on " + address.ToString() + ": " + e.what());
  }
}

Status ServiceHost::Run() {
  std::unique_ptr<asio::signal_set> signals;
  std::function<void()> wait_for_signal;
  if (impl_->options_.handle_signals) {
    signals = std::make_unique<asio::signal_set>(impl_->io, SIGHUP, SIGTERM, SIGINT);
    wait_for_signal = [&] {
      signals->async_wait([&](const asio::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
          impl_->LoadPolicy();
          wait_for_signal();
        } else {
          impl_->BeginStop();
        }
      });
    };
    wait_for_signal();
  }
  try {
    impl_->io.run();
  } catch (const std::exception& e) {
    return Error::Failed(std::string("the service host stopped: ") + e.what());
  }
  return OkStatus();
}

void ServiceHost::Stop() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->BeginStop(); });
}

void ServiceHost::ReloadPolicy() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->LoadPolicy(); });
}

std::string ServiceHost::policy_error() const { return impl_->policy_->error; }

Status ListenAndAnnounce(ServiceHost& host, const std::vector<std::string>& addresses,
                         std::string_view program) {
  for (const std::string& text : addresses) {
    VIGIL_ASSIGN_OR_RETURN(Address address, ParseAddress(text));
    VIGIL_ASSIGN_OR_RETURN(Address bound, host.Listen(address));
    std::printf("%.*s: %s listening on %s\n", static_cast<int>(program.size()), program.data(),
                host.identity().name.c_str(), bound.ToString().c_str());
  }
  std::fflush(stdout);
  return OkStatus();
}

}  // namespace vigil::rpc
