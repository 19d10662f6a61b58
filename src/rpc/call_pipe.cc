#include "rpc/call_pipe.h"

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
#include <optional>
#include <thread>

#include "base/unique_fd.h"

namespace vigil::rpc {
namespace {

using Chunks = asio::experimental::concurrent_channel<void(asio::error_code, std::string)>;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 64 * 1024;

// How the call ended: a failure of ours, or the service's exit.
struct Outcome {
  std::optional<Error> failure;
  std::optional<CallEvent> exit;
};

// Reads the input on its own thread (a blocking read cannot be cancelled; poll with a stop
// pipe can) and hands chunks to the event loop; end of input arrives as asio::error::eof.
class InputPump {
 public:
  InputPump(int fd, Chunks& chunks) : fd_(fd), chunks_(chunks) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      stop_read_ = UniqueFd(fds[0]);
      stop_write_ = UniqueFd(fds[1]);
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~InputPump() {
    stopping_ = true;
    char byte = 1;
    (void)!::write(stop_write_.get(), &byte, 1);
    thread_.join();
  }

 private:
  void Run() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_read_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        Send(asio::error::eof, {});
        return;
      }
      if (fds[1].revents != 0) return;
      std::string chunk(kChunk, '\0');
      ssize_t n = ::read(fd_, chunk.data(), chunk.size());
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

  const int fd_;
  Chunks& chunks_;
  std::atomic<bool> stopping_{false};
  UniqueFd stop_read_{-1};
  UniqueFd stop_write_{-1};
  std::thread thread_;
};

Status WriteAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::Failed("writing the call's output failed");
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

// Sends the input's chunks to the call, then half-closes it.
asio::awaitable<void> SendInput(std::shared_ptr<ClientCall> call, Chunks& chunks) {
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

// Writes the call's output to `fd` until the service exits.
asio::awaitable<void> ReceiveOutput(ClientCall& call, int fd, Outcome& outcome) {
  while (true) {
    auto event = co_await call.Read();
    if (!event.ok()) {
      outcome.failure = event.error();
      co_return;
    }
    if (event->kind == CallEvent::Kind::kData) {
      Status written = WriteAll(fd, event->data);
      if (!written.ok()) {
        outcome.failure = written.error();
        co_return;
      }
    } else if (event->kind == CallEvent::Kind::kExit) {
      outcome.exit = std::move(*event);
      co_return;
    }
  }
}

asio::awaitable<void> Pipe(asio::io_context& io, const Peer& peer, const CallRequest& request,
                           int output_fd, Chunks& chunks, Outcome& outcome) {
  auto opened = co_await peer.Open(io.get_executor(), request);
  if (!opened.ok()) {
    outcome.failure = opened.error();
    chunks.cancel();  // a send waiting for room ends too
    chunks.close();
    co_return;
  }
  std::shared_ptr<ClientCall> call = std::move(*opened);
  asio::co_spawn(io, SendInput(call, chunks), asio::detached);
  co_await ReceiveOutput(*call, output_fd, outcome);
  chunks.cancel();  // a send waiting for room ends too
  chunks.close();
  co_await call->Close();
}

}  // namespace

Result<CallEvent> PipeCall(const Peer& peer, const CallRequest& request, int input_fd,
                           int output_fd) {
  asio::io_context io;
  Chunks chunks(io, 1);
  Outcome outcome;
  {
    InputPump pump(input_fd, chunks);
    asio::co_spawn(io, Pipe(io, peer, request, output_fd, chunks, outcome), asio::detached);
    try {
      io.run();
    } catch (const std::exception& e) {
      outcome.failure = Error::Failed(std::string("the call failed: ") + e.what());
    }
  }
  if (outcome.failure) return *outcome.failure;
  if (!outcome.exit) return Error::Failed("the call ended without a result");
  return *std::move(outcome.exit);
}

}  // namespace vigil::rpc
