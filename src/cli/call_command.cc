#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <cerrno>
#include <future>
#include <iostream>
#include <memory>
#include <thread>

#include "base/unique_fd.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "rpc/call_client.h"

namespace vigil::cli {
namespace {

using Chunks = asio::experimental::concurrent_channel<void(asio::error_code, std::string)>;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 64 * 1024;
constexpr double kMaxTimeoutSeconds = 7 * 24 * 3600;

struct CallArgs {
  std::string address;
  std::string request;
  std::string cert, key, ca;
  std::string service_name;
  double connect_timeout = 10;
  double idle_timeout = 60;
  double total_timeout = 3600;
};

// Reads stdin on its own thread (a blocking read cannot be cancelled; poll with a stop
// pipe can) and hands chunks to the event loop; end of input arrives as asio::error::eof.
class StdinPump {
 public:
  explicit StdinPump(Chunks& chunks) : chunks_(chunks) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      stop_read_ = UniqueFd(fds[0]);
      stop_write_ = UniqueFd(fds[1]);
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~StdinPump() {
    stopping_ = true;
    char byte = 1;
    (void)!::write(stop_write_.get(), &byte, 1);
    thread_.join();
  }

 private:
  void Run() {
    while (true) {
      pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        Send(asio::error::eof, {});
        return;
      }
      if (fds[1].revents != 0) return;
      std::string chunk(kChunk, '\0');
      ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        Send(asio::error::eof, {});
        return;
      }
      chunk.resize(static_cast<std::size_t>(n));
      if (!Send({}, std::move(chunk))) return;
    }
  }
  // Waits until the event loop took the chunk (so stdin is read no faster than sent), or
  // until the call is over: then the event loop may never run the send's handler.
  bool Send(asio::error_code code, std::string chunk) {
    auto taken = std::make_shared<std::promise<bool>>();
    std::future<bool> done = taken->get_future();
    chunks_.async_send(code, std::move(chunk),
                       [taken](asio::error_code error) { taken->set_value(!error); });
    while (done.wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
      if (stopping_) return false;
    }
    return done.get();
  }

  Chunks& chunks_;
  std::atomic<bool> stopping_{false};
  UniqueFd stop_read_{-1};
  UniqueFd stop_write_{-1};
  std::thread thread_;
};

Status WriteStdout(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::Failed("writing to stdout failed");
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// The call to make, from the arguments.
struct CallSetup {
  rpc::Address address;
  rpc::CallRequest request;
  rpc::ClientOptions options;
  std::shared_ptr<asio::ssl::context> tls;
};

// How the call ended: a failure of ours, or the service's exit.
struct CallOutcome {
  std::optional<Error> failure;
  std::optional<rpc::CallEvent> exit;
};

Result<CallSetup> PrepareCall(const CallArgs& args) {
  CallSetup setup;
  VIGIL_ASSIGN_OR_RETURN(setup.address, rpc::ParseAddress(args.address));
  VIGIL_ASSIGN_OR_RETURN(setup.request, rpc::ParseCallRequest(args.request));
  for (double t : {args.connect_timeout, args.idle_timeout, args.total_timeout}) {
    if (!(t > 0 && t <= kMaxTimeoutSeconds)) {
      return Error::BadInput("timeouts are seconds above 0 and at most a week");
    }
  }
  rpc::ClientOptions& options = setup.options;
  options.tls = {args.cert, args.key, args.ca};
  if (!args.service_name.empty()) options.expect_service_name = args.service_name;
  options.limits.connect_timeout = Millis(args.connect_timeout);
  options.limits.idle_timeout = Millis(args.idle_timeout);
  options.limits.total_timeout = Millis(args.total_timeout);
  VIGIL_ASSIGN_OR_RETURN(setup.tls, rpc::MakeTlsContext(options.tls, rpc::TlsSide::kClient));
  return setup;
}

// Sends standard input's chunks to the call, then half-closes it.
asio::awaitable<void> SendInput(std::shared_ptr<rpc::ClientCall> call, Chunks& chunks) {
  // Named results, not temporaries inside co_await expressions: GCC 12 destroys some of
  // those twice.
  while (true) {
    std::tuple<asio::error_code, std::string> received = co_await chunks.async_receive(kNoThrow);
    const asio::error_code& error = std::get<0>(received);
    if (error) {
      if (error == asio::error::eof) {
        Status closed = co_await call->CloseWrite();
        if (!closed.ok()) co_return;
      }
      co_return;
    }
    Status written = co_await call->Write(std::get<1>(received));
    if (!written.ok()) co_return;
  }
}

// Writes the call's output to standard output until the service exits.
asio::awaitable<void> ReceiveOutput(rpc::ClientCall& call, CallOutcome& outcome) {
  while (true) {
    auto event = co_await call.Read();
    if (!event.ok()) {
      outcome.failure = event.error();
      co_return;
    }
    if (event->kind == rpc::CallEvent::Kind::kData) {
      Status written = WriteStdout(event->data);
      if (!written.ok()) {
        outcome.failure = written.error();
        co_return;
      }
    } else if (event->kind == rpc::CallEvent::Kind::kExit) {
      outcome.exit = std::move(*event);
      co_return;
    }
  }
}

asio::awaitable<void> PipeCall(asio::io_context& io, const CallSetup& setup, Chunks& chunks,
                               CallOutcome& outcome) {
  auto opened = co_await rpc::ClientCall::Open(io.get_executor(), setup.address, setup.request,
                                               setup.tls, setup.options);
  if (!opened.ok()) {
    outcome.failure = opened.error();
    chunks.cancel();  // a send waiting for room ends too
    chunks.close();
    co_return;
  }
  std::shared_ptr<rpc::ClientCall> call = std::move(*opened);
  asio::co_spawn(io, SendInput(call, chunks), asio::detached);
  co_await ReceiveOutput(*call, outcome);
  chunks.cancel();  // a send waiting for room ends too
  chunks.close();
  co_await call->Close();
}

int RunCall(const CallArgs& args) {
  auto setup = PrepareCall(args);
  if (!setup.ok()) return ReportError(setup.error());
  asio::io_context io;
  Chunks chunks(io, 1);
  CallOutcome outcome;
  {
    StdinPump pump(chunks);
    asio::co_spawn(io, PipeCall(io, *setup, chunks, outcome), asio::detached);
    try {
      io.run();
    } catch (const std::exception& e) {
      outcome.failure = Error::Failed(std::string("the call failed: ") + e.what());
    }
  }
  const rpc::CallRequest& request = setup->request;
  if (outcome.failure) return ReportError(outcome.failure->WithContext(request.ToString()));
  if (!outcome.exit) {
    return ReportError(Error::Failed(request.ToString() + ": the call ended without a result"));
  }
  if (outcome.exit->exit_code != 0) {
    std::cerr << "vigil: " << request.service << " exited " << outcome.exit->exit_code
              << (outcome.exit->message.empty() ? "" : ": " + outcome.exit->message) << "\n";
  }
  return outcome.exit->exit_code;
}

}  // namespace

void AddCallCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CallArgs>();
  CLI::App* c = app.add_subcommand(
      "call", "Call a service: stdin goes to it, its output to stdout; exits with its status");
  c->add_option("ADDRESS", args->address, "unix:/path/to.sock or tcp:HOST:PORT")->required();
  c->add_option("SERVICE", args->request, "SERVICE or SERVICE+ARGUMENT")->required();
  c->add_option("--cert", args->cert, "Our certificate (vigil ca issue)")->required();
  c->add_option("--key", args->key, "Our private key (0600)")->required();
  c->add_option("--ca", args->ca, "The deployment CA certificate")->required();
  c->add_option("--service-name", args->service_name,
                "Require the service's certificate to name this role");
  c->add_option("--connect-timeout", args->connect_timeout,
                "Seconds for connect, TLS handshake and acceptance")
      ->capture_default_str();
  c->add_option("--idle-timeout", args->idle_timeout, "Seconds without data either way")
      ->capture_default_str();
  c->add_option("--timeout", args->total_timeout, "Seconds the whole call may take")
      ->capture_default_str();
  c->callback([args, exit_code] { *exit_code = RunCall(*args); });
}

}  // namespace vigil::cli
