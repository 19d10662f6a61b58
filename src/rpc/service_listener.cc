// The service host's listeners: binding TCP and Unix sockets, accepting, and admitting each
// connection through the connection gate (docs/SPEC-call.md, "Limits").
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
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "rpc/service_host_impl.h"

namespace vigil::rpc {
namespace {

constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);

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

Result<Address> ServiceHostImpl::Listen(const Address& address) {
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

asio::awaitable<void> ServiceHostImpl::Accept(Acceptor& acceptor) {
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
    const std::string peer = Describe(socket);
    const std::string source = SourceOf(socket);
    if (!source.empty()) socket.set_option(asio::ip::tcp::no_delay(true), error);
    CallLimits limits = options_.limits;
    limits.connect_timeout = std::min(limits.connect_timeout, options_.pre_auth_timeout);
    auto connection = std::make_shared<Connection>(std::move(socket), tls_->ssl, limits);
    Admit(std::move(connection), peer, source);
  }
}

void ServiceHostImpl::Admit(std::shared_ptr<Connection> connection, const std::string& peer,
                            const std::string& source) {
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
    return;
  }
  ++active_;
  asio::co_spawn(io, Serve(std::move(connection), std::move(ticket), peer), asio::detached);
}

asio::awaitable<void> ServiceHostImpl::Serve(std::shared_ptr<Connection> connection,
                                             ConnectionGate::Ticket ticket, std::string peer) {
  try {
    co_await ServeConnection(*connection, ticket, peer);
  } catch (const std::exception& e) {
    audit_.Record(
        {{"event", "end"}, {"peer", peer}, {"result", std::string("internal error: ") + e.what()}});
  }
  connection->Close();
  --active_;
  if (stopping_ && active_ == 0) io.stop();
}

}  // namespace vigil::rpc
