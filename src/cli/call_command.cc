#include "cli/call_command.h"

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

int RunCall(const CallArgs& args) {
  auto address = rpc::ParseAddress(args.address);
  if (!address.ok()) return ReportError(address.error());
  auto request = rpc::ParseCallRequest(args.request);
  if (!request.ok()) return ReportError(request.error());
  for (double t : {args.connect_timeout, args.idle_timeout, args.total_timeout}) {
    if (!(t > 0 && t <= kMaxTimeoutSeconds)) {
      return ReportError(Error::BadInput("timeouts are seconds above 0 and at most a week"));
    }
  }
  rpc::ClientOptions options;
  options.tls = {args.cert, args.key, args.ca};
  if (!args.service_name.empty()) options.expect_service_name = args.service_name;
  options.limits.connect_timeout = Millis(args.connect_timeout);
  options.limits.idle_timeout = Millis(args.idle_timeout);
  options.limits.total_timeout = Millis(args.total_timeout);
  auto tls = rpc::MakeTlsContext(options.tls, rpc::TlsSide::kClient);
  if (!tls.ok()) return ReportError(tls.error());

  asio::io_context io;
  Chunks chunks(io, 1);
  std::optional<Error> failure;
  std::optional<rpc::CallEvent> exit;
  auto run = [&]() -> asio::awaitable<void> {
    auto opened =
        co_await rpc::ClientCall::Open(io.get_executor(), *address, *request, *tls, options);
    if (!opened.ok()) {
      failure = opened.error();
      chunks.cancel();  // a send waiting for room ends too
      chunks.close();
      co_return;
    }
    std::shared_ptr<rpc::ClientCall> call = std::move(*opened);
    asio::co_spawn(
        io,
        [call, &chunks]() -> asio::awaitable<void> {
          // Named results, not temporaries inside co_await expressions: GCC 12 destroys
          // some of those twice.
          while (true) {
            std::tuple<asio::error_code, std::string> received =
                co_await chunks.async_receive(kNoThrow);
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
        },
        asio::detached);
    while (true) {
      auto event = co_await call->Read();
      if (!event.ok()) {
        failure = event.error();
        break;
      }
      if (event->kind == rpc::CallEvent::Kind::kData) {
        Status written = WriteStdout(event->data);
        if (!written.ok()) {
          failure = written.error();
          break;
        }
      } else if (event->kind == rpc::CallEvent::Kind::kExit) {
        exit = std::move(*event);
        break;
      }
    }
    chunks.cancel();  // a send waiting for room ends too
    chunks.close();
    co_await call->Close();
  };
  {
    StdinPump pump(chunks);
    asio::co_spawn(io, run(), asio::detached);
    try {
      io.run();
    } catch (const std::exception& e) {
      failure = Error::Failed(std::string("the call failed: ") + e.what());
    }
  }
  if (failure) return ReportError(failure->WithContext(request->ToString()));
  if (!exit)
    return ReportError(Error::Failed(request->ToString() + ": the call ended without a result"));
  if (exit->exit_code != 0) {
    std::cerr << "vigil: " << request->service << " exited " << exit->exit_code
              << (exit->message.empty() ? "" : ": " + exit->message) << "\n";
  }
  return exit->exit_code;
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
