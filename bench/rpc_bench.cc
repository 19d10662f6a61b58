// Service calls over loopback TCP set beside a plain OpenSSL TLS server and client doing the
// same work with the same certificates, in the same run: calls per second (connect, TLS 1.3
// handshake with certificates both ways, 32 bytes echoed, close) and the throughput of one
// long stream. The lines follow the format of scripts/bench's report().
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/this_coro.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "base/file.h"
#include "base/unique_fd.h"
#include "crypto/openssl_util.h"
#include "rpc/ca.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"

namespace vigil::rpc {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kEchoSize = 32;
constexpr std::size_t kChunkSize = 64 * 1024;
constexpr std::size_t kStreamChunks = 256 * 1024 * 1024 / kChunkSize;  // 256 MiB
constexpr std::chrono::seconds kCallDuration{3};
constexpr int kWarmupCalls = 20;
constexpr int kStreamRuns = 3;
// A hung peer fails the baseline's call instead of hanging the benchmark.
constexpr timeval kSocketTimeout{30, 0};

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// One line in the format of scripts/bench's report(); without a goal the ratio is for
// information.
void Report(const char* label, double ours, const char* baseline_label, double baseline,
            const char* unit, std::optional<double> goal) {
  // Both figures take 12 columns with their unit, like "%10.0f/s".
  int width = 12 - static_cast<int>(std::strlen(unit));
  double ratio = ours / baseline;
  std::string verdict = "for information";
  if (goal) {
    char text[64];
    std::snprintf(text, sizeof(text), "goal >= %g: %s", *goal,
                  ratio >= *goal ? "goal met" : "goal NOT met");
    verdict = text;
  }
  std::printf("  %-34s %*.0f%s   %-26s %*.0f%s   ratio %.3f (%s)\n", label, width, ours, unit,
              baseline_label, width, baseline, unit, ratio, verdict.c_str());
  std::fflush(stdout);
}

// ---- Vigil: a service host with the two services, and its client ----

constexpr char kPolicy[] =
    "vigil.Echo * @any @any allow\n"
    "bench.Sink * @any @any allow\n";

asio::awaitable<Status> Echo(Call& call) {
  while (true) {
    VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
    if (!data) co_return OkStatus();
    VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*data));
  }
}

// Answers the number of bytes received, once the caller half-closed.
asio::awaitable<Status> Sink(Call& call) {
  std::size_t total = 0;
  while (true) {
    VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
    if (!data) break;
    total += data->size();
  }
  co_return co_await call.Write(std::to_string(total));
}

// The host under test, serving on its own thread until destroyed.
class VigilHost {
 public:
  static Result<std::unique_ptr<VigilHost>> Start(const fs::path& dir, const TlsFiles& tls) {
    fs::path policy_dir = dir / "policy";
    std::error_code ignored;  // a missing directory fails the write below
    fs::create_directory(policy_dir, ignored);
    std::ofstream policy(policy_dir / "10.policy");
    policy << kPolicy;
    policy.close();
    if (!policy) return Error::Failed("cannot write the policy in " + policy_dir.string());
    ServiceHostOptions options;
    options.tls = tls;
    options.policy_dir = policy_dir;
    options.audit_log = dir / "audit.log";  // as deployed: every call is recorded
    options.handle_signals = false;
    VIGIL_ASSIGN_OR_RETURN(auto host, ServiceHost::Create(options));
    if (!host->policy_error().empty()) return Error::Failed("policy: " + host->policy_error());
    host->Register("vigil.Echo", Echo);
    host->Register("bench.Sink", Sink);
    VIGIL_ASSIGN_OR_RETURN(Address address, host->Listen(*ParseAddress("tcp:127.0.0.1:0")));
    return std::unique_ptr<VigilHost>(new VigilHost(std::move(host), address));
  }
  ~VigilHost() {
    host_->Stop();
    thread_.join();
  }
  const Address& address() const { return address_; }

 private:
  VigilHost(std::unique_ptr<ServiceHost> host, Address address)
      : host_(std::move(host)), address_(std::move(address)), thread_([this] {
          Status run = host_->Run();
          if (!run.ok()) std::fprintf(stderr, "rpc_bench: %s\n", run.error().message().c_str());
        }) {}

  std::unique_ptr<ServiceHost> host_;
  Address address_;
  std::thread thread_;
};

// One whole call through the public client API, as a binary would make it.
Status VigilEcho(const Address& address, const ClientOptions& options, std::string_view input) {
  auto outcome = CallService(address, *ParseCallRequest("vigil.Echo"), options, input);
  if (!outcome.ok()) return outcome.error().WithContext("vigil.Echo");
  if (outcome->exit_code != 0 || outcome->output != input) {
    return Error::Failed("vigil.Echo did not echo the input (exit " +
                         std::to_string(outcome->exit_code) + ")");
  }
  return OkStatus();
}

// The same call with the TLS context made once, as a service calls another (rpc::Peer), and
// as the baseline does: the call itself, not loading certificates and keys from disk.
Status VigilEchoSharedContext(const Address& address, const ClientOptions& options,
                              const std::shared_ptr<rpc::TlsContext>& tls,
                              const std::string& input) {
  asio::io_context io;
  std::optional<Result<CallOutcome>> outcome;
  auto run = [&]() -> asio::awaitable<void> {
    outcome = co_await CallServiceAsync(io.get_executor(), address, *ParseCallRequest("vigil.Echo"),
                                        tls, options, input);
  };
  asio::co_spawn(io, run(), asio::detached);
  io.run();
  if (!outcome) return Error::Failed("vigil.Echo ended without a result");
  if (!outcome->ok()) return outcome->error().WithContext("vigil.Echo");
  if ((*outcome)->exit_code != 0 || (*outcome)->output != input) {
    return Error::Failed("vigil.Echo did not echo the input");
  }
  return OkStatus();
}

// Streams `chunks` copies of `chunk` to bench.Sink; the seconds from the first write until
// the service's count arrived (connecting and the handshake come before).
asio::awaitable<Result<double>> StreamToSink(const Address& address, const ClientOptions& options,
                                             std::shared_ptr<rpc::TlsContext> tls,
                                             std::string_view chunk, std::size_t chunks) {
  auto executor = co_await asio::this_coro::executor;
  VIGIL_CO_ASSIGN_OR_RETURN(
      auto call, co_await ClientCall::Open(executor, address, *ParseCallRequest("bench.Sink"),
                                           std::move(tls), options));
  auto start = Clock::now();
  for (std::size_t i = 0; i < chunks; ++i) VIGIL_CO_RETURN_IF_ERROR(co_await call->Write(chunk));
  VIGIL_CO_RETURN_IF_ERROR(co_await call->CloseWrite());
  std::string reply;
  while (true) {
    VIGIL_CO_ASSIGN_OR_RETURN(CallEvent event, co_await call->Read());
    if (event.kind == CallEvent::Kind::kData) reply += event.data;
    if (event.kind != CallEvent::Kind::kExit) continue;
    if (event.exit_code != 0) co_return Error::Failed("bench.Sink failed: " + event.message);
    break;
  }
  double seconds = SecondsSince(start);
  co_await call->Close();
  if (reply != std::to_string(chunk.size() * chunks)) {
    co_return Error::Failed("bench.Sink counted " + reply + " bytes");
  }
  co_return seconds;
}

Result<double> VigilStreamSeconds(const Address& address, const ClientOptions& options,
                                  std::string_view chunk, std::size_t chunks) {
  VIGIL_ASSIGN_OR_RETURN(auto tls, MakeTlsContext(options.tls, TlsSide::kClient));
  asio::io_context io;
  std::optional<Result<double>> seconds;
  auto run = [&]() -> asio::awaitable<void> {
    seconds = co_await StreamToSink(address, options, tls, chunk, chunks);
  };
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return Error::Failed(std::string("the bench.Sink call failed: ") + e.what());
  }
  if (!seconds) return Error::Failed("the bench.Sink call ended without a result");
  if (!seconds->ok()) return seconds->error().WithContext("bench.Sink");
  return std::move(*seconds);
}

// ---- The baseline: plain OpenSSL, blocking sockets ----
//
// Its protocol: OP (1 byte: 'E' echo, 'S' sink) | LENGTH (8 bytes, big-endian) | DATA. Echo
// answers DATA, sink the number of bytes of DATA as decimal text; then the server closes.

using SslCtxPtr = crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = crypto::OpenSslPtr<SSL, SSL_free>;

constexpr std::size_t kPlainHeaderSize = 9;
constexpr std::size_t kMaxPlainEcho = 4096;

// What rpc::MakeTlsContext configures, in plain OpenSSL.
Result<SslCtxPtr> PlainContext(const TlsFiles& files, TlsSide side) {
  SslCtxPtr ctx(SSL_CTX_new(side == TlsSide::kServer ? TLS_server_method() : TLS_client_method()));
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), TLS1_3_VERSION) != 1 ||
      SSL_CTX_use_certificate_file(ctx.get(), files.certificate.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx.get(), files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_load_verify_locations(ctx.get(), files.ca.c_str(), nullptr) != 1) {
    return crypto::OpenSslError("setting up the baseline's TLS context");
  }
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_verify(ctx.get(),
                     side == TlsSide::kServer ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                              : SSL_VERIFY_PEER,
                     nullptr);
  return ctx;
}

void SetSocketOptions(int fd) {
  int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &kSocketTimeout, sizeof(kSocketTimeout));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &kSocketTimeout, sizeof(kSocketTimeout));
}

// One blocking TLS connection, either side.
class PlainConnection {
 public:
  PlainConnection(UniqueFd fd, SSL_CTX* ctx) : fd_(std::move(fd)), ssl_(SSL_new(ctx)) {
    SetSocketOptions(fd_.get());
    if (ssl_) SSL_set_fd(ssl_.get(), fd_.get());
  }
  ~PlainConnection() {
    // Both close_notify alerts, as asio's ssl::stream exchanges them for Vigil.
    if (ssl_ && SSL_is_init_finished(ssl_.get()) && SSL_shutdown(ssl_.get()) == 0) {
      SSL_shutdown(ssl_.get());
    }
  }

  bool Handshake(TlsSide side) {
    if (!ssl_) return false;
    return (side == TlsSide::kServer ? SSL_accept(ssl_.get()) : SSL_connect(ssl_.get())) == 1;
  }
  bool Write(std::string_view data) {
    return SSL_write(ssl_.get(), data.data(), static_cast<int>(data.size())) ==
           static_cast<int>(data.size());
  }
  bool ReadExactly(char* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      int r = SSL_read(ssl_.get(), out + got, static_cast<int>(n - got));
      if (r <= 0) return false;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }
  // Everything until the peer's close_notify.
  bool ReadToEnd(std::string* out) {
    char buffer[4096];
    while (true) {
      int r = SSL_read(ssl_.get(), buffer, sizeof(buffer));
      if (r > 0) {
        out->append(buffer, static_cast<std::size_t>(r));
        continue;
      }
      return SSL_get_error(ssl_.get(), r) == SSL_ERROR_ZERO_RETURN;
    }
  }

 private:
  UniqueFd fd_;
  SslPtr ssl_;
};

std::string PlainHeader(char op, std::uint64_t length) {
  std::string header(1, op);
  for (int shift = 56; shift >= 0; shift -= 8) {
    header.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  return header;
}

// Serves one connection at a time on its own thread until destroyed.
class PlainServer {
 public:
  static Result<std::unique_ptr<PlainServer>> Start(const TlsFiles& files) {
    VIGIL_ASSIGN_OR_RETURN(SslCtxPtr ctx, PlainContext(files, TlsSide::kServer));
    UniqueFd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(addr);
    if (listener.get() < 0 ||
        ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listener.get(), SOMAXCONN) != 0 ||
        ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
      return Error::MissingEnv("the baseline server cannot listen on 127.0.0.1: " +
                               std::string(std::strerror(errno)));
    }
    return std::unique_ptr<PlainServer>(
        new PlainServer(std::move(ctx), std::move(listener), ntohs(addr.sin_port)));
  }
  ~PlainServer() {
    stopping_ = true;
    ::shutdown(listener_.get(), SHUT_RDWR);  // wakes accept()
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  PlainServer(SslCtxPtr ctx, UniqueFd listener, std::uint16_t port)
      : ctx_(std::move(ctx)),
        listener_(std::move(listener)),
        port_(port),
        thread_([this] { AcceptLoop(); }) {}

  void AcceptLoop() {
    while (!stopping_) {
      int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) Serve(UniqueFd(fd));
    }
  }

  // A failure just drops the connection: the client reports it.
  void Serve(UniqueFd fd) {
    PlainConnection connection(std::move(fd), ctx_.get());
    char header[kPlainHeaderSize];
    if (!connection.Handshake(TlsSide::kServer) ||
        !connection.ReadExactly(header, sizeof(header))) {
      return;
    }
    std::uint64_t length = 0;
    for (std::size_t i = 1; i < sizeof(header); ++i) {
      length = length << 8 | static_cast<std::uint8_t>(header[i]);
    }
    if (header[0] == 'E' && length <= kMaxPlainEcho) {
      std::string data(length, '\0');
      if (connection.ReadExactly(data.data(), data.size())) connection.Write(data);
    } else if (header[0] == 'S') {
      std::string buffer(kChunkSize, '\0');
      std::uint64_t total = 0;
      while (total < length) {
        std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length - total));
        if (!connection.ReadExactly(buffer.data(), n)) return;
        total += n;
      }
      connection.Write(std::to_string(total));
    }
  }

  SslCtxPtr ctx_;
  UniqueFd listener_;
  std::uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

Result<std::unique_ptr<PlainConnection>> PlainConnect(SSL_CTX* ctx, std::uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd.get() < 0 || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return Error::Failed("the baseline cannot connect: " + std::string(std::strerror(errno)));
  }
  auto connection = std::make_unique<PlainConnection>(std::move(fd), ctx);
  if (!connection->Handshake(TlsSide::kClient)) {
    return crypto::OpenSslError("the baseline's TLS handshake");
  }
  return connection;
}

Status PlainEcho(SSL_CTX* ctx, std::uint16_t port, std::string_view input) {
  VIGIL_ASSIGN_OR_RETURN(auto connection, PlainConnect(ctx, port));
  std::string reply;
  if (!connection->Write(PlainHeader('E', input.size()) + std::string(input)) ||
      !connection->ReadToEnd(&reply) || reply != input) {
    return Error::Failed("the baseline did not echo the input");
  }
  return OkStatus();
}

// The baseline's StreamToSink.
Result<double> PlainStreamSeconds(SSL_CTX* ctx, std::uint16_t port, std::string_view chunk,
                                  std::size_t chunks) {
  VIGIL_ASSIGN_OR_RETURN(auto connection, PlainConnect(ctx, port));
  auto start = Clock::now();
  if (!connection->Write(PlainHeader('S', chunk.size() * chunks))) {
    return Error::Failed("the baseline's stream failed");
  }
  for (std::size_t i = 0; i < chunks; ++i) {
    if (!connection->Write(chunk)) return Error::Failed("the baseline's stream failed");
  }
  std::string reply;
  if (!connection->ReadToEnd(&reply)) return Error::Failed("the baseline's sink did not answer");
  double seconds = SecondsSince(start);
  if (reply != std::to_string(chunk.size() * chunks)) {
    return Error::Failed("the baseline's sink counted " + reply + " bytes");
  }
  return seconds;
}

// ---- Measurements ----

// Calls per second of `call`, over kCallDuration after a few calls to warm up.
Result<double> CallsPerSecond(const std::function<Status()>& call) {
  for (int i = 0; i < kWarmupCalls; ++i) VIGIL_RETURN_IF_ERROR(call());
  auto start = Clock::now();
  std::size_t calls = 0;
  while (Clock::now() - start < kCallDuration) {
    VIGIL_RETURN_IF_ERROR(call());
    ++calls;
  }
  return static_cast<double>(calls) / SecondsSince(start);
}

Status RunBench() {
  VIGIL_ASSIGN_OR_RETURN(TempDir dir,
                         TempDir::Create(fs::temp_directory_path(), "vigil-rpc-bench-"));
  fs::path ca = dir.path() / "ca";
  VIGIL_RETURN_IF_ERROR(InitCa(ca, 30));
  VIGIL_ASSIGN_OR_RETURN(IssuedFiles ledger, IssueCertificate(ca, "ledger", {}, 30));
  VIGIL_ASSIGN_OR_RETURN(IssuedFiles builder, IssueCertificate(ca, "builder", {}, 30));
  TlsFiles service{ledger.certificate, ledger.key, ca / "ca.crt"};
  TlsFiles caller{builder.certificate, builder.key, ca / "ca.crt"};

  VIGIL_ASSIGN_OR_RETURN(auto host, VigilHost::Start(dir.path(), service));
  VIGIL_ASSIGN_OR_RETURN(auto plain, PlainServer::Start(service));
  VIGIL_ASSIGN_OR_RETURN(SslCtxPtr plain_client, PlainContext(caller, TlsSide::kClient));
  ClientOptions options;
  options.tls = caller;

  const std::string input(kEchoSize, 'e');
  VIGIL_ASSIGN_OR_RETURN(auto client_tls, MakeTlsContext(options.tls, TlsSide::kClient));
  VIGIL_ASSIGN_OR_RETURN(double shared_calls, CallsPerSecond([&] {
                           return VigilEchoSharedContext(host->address(), options, client_tls,
                                                         input);
                         }));
  VIGIL_ASSIGN_OR_RETURN(double vigil_calls, CallsPerSecond([&] {
                           return VigilEcho(host->address(), options, input);
                         }));
  VIGIL_ASSIGN_OR_RETURN(double plain_calls, CallsPerSecond([&] {
                           return PlainEcho(plain_client.get(), plain->port(), input);
                         }));
  Report("vigil.Echo calls, 32 bytes", shared_calls, "plain OpenSSL TLS echo", plain_calls, "/s",
         std::nullopt);
  Report("one-shot CallService (loads PEMs)", vigil_calls, "plain OpenSSL TLS echo", plain_calls,
         "/s", std::nullopt);

  // Best of kStreamRuns, alternating, so that a noisy moment does not decide the ratio.
  std::string chunk(kChunkSize, '\0');
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(i * 7 + i / 251);
  const double megabytes = static_cast<double>(chunk.size() * kStreamChunks) / 1e6;
  double vigil_rate = 0;
  double plain_rate = 0;
  for (int run = 0; run < kStreamRuns; ++run) {
    VIGIL_ASSIGN_OR_RETURN(double vigil_seconds,
                           VigilStreamSeconds(host->address(), options, chunk, kStreamChunks));
    VIGIL_ASSIGN_OR_RETURN(
        double plain_seconds,
        PlainStreamSeconds(plain_client.get(), plain->port(), chunk, kStreamChunks));
    vigil_rate = std::max(vigil_rate, megabytes / vigil_seconds);
    plain_rate = std::max(plain_rate, megabytes / plain_seconds);
  }
  Report("bench.Sink stream, 64 KiB writes", vigil_rate, "plain OpenSSL TLS stream", plain_rate,
         " MB/s", 0.9);
  std::printf(
      "  note: a call is TCP connect, TLS 1.3 handshake with P-256 certificates both ways,"
      " request, policy decision, audit record, 32 bytes echoed, close, with the client's TLS"
      " context made once as rpc::Peer and the baseline do; the one-shot line also loads the"
      " certificate, key and CA from disk per call, as `vigil call` does; the stream is 256"
      " MiB, best of %d\n",
      kStreamRuns);
  return OkStatus();
}

}  // namespace
}  // namespace vigil::rpc

int main() {
  // OpenSSL writes to the baseline's sockets with write(2): a peer that went away must fail
  // the call, not kill the benchmark.
  std::signal(SIGPIPE, SIG_IGN);
  vigil::Status status = vigil::rpc::RunBench();
  if (!status.ok()) {
    std::fprintf(stderr, "rpc_bench: %s\n", status.error().message().c_str());
    return 1;
  }
  return 0;
}
