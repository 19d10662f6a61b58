#include "rpc/connection.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

namespace vigil::rpc {

Error ExplainTlsRefusal(const std::string& detail) {
  const std::string hint = detail.find("unsupported certificate") != std::string::npos
                               ? ": a CA certificate cannot be used as a caller's; use one that "
                                 "`vigil ca issue` made for a role"
                               : "; check that our certificate is issued by the service's CA "
                                 "and still valid";
  return Error::Failed("the service refused our certificate (" + detail + ")" + hint);
}

namespace {

// What a caller is told when the service ends the handshake. A service closes a new
// connection without a word when it is at its connection limits (it cannot answer before
// TLS), so a close or reset says that, rather than "Broken pipe".
Error ExplainClientHandshakeFailure(const std::string& detail) {
  if (detail.find("alert") != std::string::npos) return ExplainTlsRefusal(detail);
  if (detail.find("certificate verify failed") != std::string::npos) return Error::Failed(detail);
  return Error::Failed("the service closed the connection during the TLS handshake (" + detail +
                       "): it may be at its connection limit (try again shortly), or it does "
                       "not speak Vigil's protocol on this address");
}

using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// After a deadline passes, the connection gets this long to say so before it is closed.
constexpr std::chrono::seconds kGoodbyeGrace{2};

// Frames leave in one write(2) when they fit; reads take up to this much per read(2).
constexpr long kWriteBufferSize = 256 * 1024;
constexpr std::size_t kReadAheadSize = 64 * 1024;

// OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the peer is gone;
// a process that makes calls must see EPIPE instead of dying. A handler installed by the
// program itself is left alone.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      ::signal(SIGPIPE, SIG_IGN);
    }
  });
}

std::string Seconds(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

Connection::Connection(Socket socket, asio::ssl::context& context, CallLimits limits)
    : socket_(std::move(socket)),
      context_(context.native_handle()),
      limits_(limits),
      timer_(socket_.get_executor()),
      started_(Clock::now()),
      last_activity_(started_) {
  IgnoreSigpipeOnce();
  if (socket_.is_open()) Attach(std::move(socket_));
}

Connection::~Connection() { SSL_free(ssl_); }

void Connection::Attach(Socket socket) {
  socket_ = std::move(socket);
  asio::error_code ignored;
  socket_.non_blocking(true, ignored);
  SSL_free(ssl_);
  ssl_ = SSL_new(context_);
  if (ssl_ == nullptr) return;  // Handshake reports it
  int fd = socket_.native_handle();
  BIO* raw = BIO_new_socket(fd, BIO_NOCLOSE);
  BIO* buffered = BIO_new(BIO_f_buffer());
  if (raw == nullptr || buffered == nullptr ||
      BIO_set_write_buffer_size(buffered, kWriteBufferSize) != 1) {
    BIO_free(raw);
    BIO_free(buffered);
    SSL_free(ssl_);
    ssl_ = nullptr;
    return;
  }
  BIO_up_ref(raw);  // read directly from it, write through the buffer in front of it
  SSL_set_bio(ssl_, raw, BIO_push(buffered, raw));
  SSL_set_read_ahead(ssl_, 1);
  SSL_set_default_read_buffer_len(ssl_, kReadAheadSize);
  SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

void Connection::StartWatchdog() {
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->Watch(); },
      asio::detached);
}

void Connection::EnterCall() {
  in_call_ = true;
  call_started_ = Clock::now();
  last_activity_ = call_started_;
  timer_.cancel();  // the call's deadlines may come before the connect deadline
}

void Connection::Finish() {
  finished_ = true;
  timer_.cancel();
}

void Connection::EndWithin(std::chrono::milliseconds limit) {
  end_by_ = std::min(end_by_, Clock::now() + limit);
  timer_.cancel();  // the watchdog picks up the new deadline
}

Clock::time_point Connection::Deadline() const {
  if (!timeout_reason_.empty()) return std::min(hard_close_at_, end_by_);
  if (!in_call_) return std::min(started_ + limits_.connect_timeout, end_by_);
  return std::min(
      {last_activity_ + limits_.idle_timeout, call_started_ + limits_.total_timeout, end_by_});
}

asio::awaitable<void> Connection::Watch() {
  while (!finished_) {
    Clock::time_point deadline = Deadline();
    if (Clock::now() >= deadline) {
      if (!timeout_reason_.empty() || Clock::now() >= end_by_) {  // no more grace
        Close();
        co_return;
      }
      if (!in_call_) {
        timeout_reason_ = "connect timeout (" + Seconds(limits_.connect_timeout) + ")";
      } else if (Clock::now() >= call_started_ + limits_.total_timeout) {
        timeout_reason_ = "total timeout (" + Seconds(limits_.total_timeout) + ")";
      } else {
        timeout_reason_ =
            "idle timeout (" + Seconds(limits_.idle_timeout) + " without a frame either way)";
      }
      hard_close_at_ = Clock::now() + kGoodbyeGrace;
      asio::error_code ignored;
      socket_.cancel(ignored);  // pending reads and writes end now
      continue;
    }
    timer_.expires_at(deadline);
    co_await timer_.async_wait(kNoThrow);
  }
}

template <typename Operation>
asio::awaitable<Result<int>> Connection::Drive(Operation operation, const char* what) {
  if (ssl_ == nullptr) co_return Error::Failed("creating the TLS connection failed");
  while (true) {
    ERR_clear_error();
    int result = operation();
    if (result > 0) co_return result;
    int error = SSL_get_error(ssl_, result);
    int saved_errno = errno;
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      auto [wait_error] = co_await socket_.async_wait(
          error == SSL_ERROR_WANT_READ ? Socket::wait_read : Socket::wait_write, kNoThrow);
      if (!timeout_reason_.empty()) co_return Error::Failed(timeout_reason_);
      if (wait_error) co_return Error::Failed(std::string(what) + ": " + wait_error.message());
      continue;
    }
    if (error == SSL_ERROR_ZERO_RETURN) co_return 0;
    if (!timeout_reason_.empty()) co_return Error::Failed(timeout_reason_);
    if (error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      co_return Error::Failed(
          std::string(what) + ": " +
          (saved_errno == 0 ? "the peer closed the connection" : std::strerror(saved_errno)));
    }
    co_return Error::Failed(std::string(what) + ": " + DescribeTlsFailure(ssl_));
  }
}

asio::awaitable<Status> Connection::Flush() {
  if (ssl_ == nullptr) co_return Error::Failed("creating the TLS connection failed");
  BIO* out = SSL_get_wbio(ssl_);
  // A bare BIO_flush leaves SSL_get_error out of it: ask the BIO whether to retry.
  while (BIO_flush(out) <= 0) {
    if (!BIO_should_retry(out)) {
      co_return Error::Failed(std::string("writing to the peer failed: ") +
                              (errno != 0 ? std::strerror(errno) : "the connection is gone"));
    }
    auto [wait_error] = co_await socket_.async_wait(Socket::wait_write, kNoThrow);
    if (!timeout_reason_.empty()) co_return Error::Failed(timeout_reason_);
    if (wait_error) co_return Error::Failed("writing to the peer failed: " + wait_error.message());
  }
  co_return OkStatus();
}

asio::awaitable<Status> Connection::Handshake(TlsSide side) {
  if (ssl_ != nullptr) {
    if (side == TlsSide::kServer) {
      SSL_set_accept_state(ssl_);
    } else {
      SSL_set_connect_state(ssl_);
    }
  }
  auto done = co_await Drive([this] { return SSL_do_handshake(ssl_); }, "TLS handshake failed");
  if (side == TlsSide::kClient && (!done.ok() || *done == 0)) {
    co_return ExplainClientHandshakeFailure(done.ok() ? "the peer closed the connection"
                                                      : done.error().message());
  }
  if (!done.ok()) co_return done.error();
  if (*done == 0) co_return Error::Failed("TLS handshake failed: the peer closed the connection");
  co_return OkStatus();
}

asio::awaitable<Status> Connection::ReadExactly(char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    VIGIL_CO_ASSIGN_OR_RETURN(int n, co_await Drive(
                                         [&] {
                                           std::size_t read = 0;
                                           return SSL_read_ex(ssl_, data + got, size - got,
                                                              &read) == 1
                                                      ? static_cast<int>(read)
                                                      : -1;
                                         },
                                         "reading from the peer failed"));
    if (n == 0) co_return Error::Failed("the peer closed the connection");
    got += static_cast<std::size_t>(n);
  }
  co_return OkStatus();
}

asio::awaitable<Result<Frame>> Connection::ReadFrame(FrameFailure* failure,
                                                     std::size_t max_payload) {
  *failure = FrameFailure::kClosed;
  char header_bytes[kFrameHeaderSize];
  Status read = co_await ReadExactly(header_bytes, sizeof(header_bytes));
  if (!timeout_reason_.empty()) {
    *failure = FrameFailure::kTimeout;
    co_return Error::Failed(timeout_reason_);
  }
  if (!read.ok()) co_return read.error();
  CallError why = CallError::kMalformed;
  auto header = DecodeFrameHeader(reinterpret_cast<const std::uint8_t*>(header_bytes),
                                  std::min(max_payload, limits_.max_frame), &why);
  if (!header.ok()) {
    *failure = why == CallError::kTooLarge ? FrameFailure::kTooLarge : FrameFailure::kMalformed;
    co_return header.error();
  }
  Frame frame{header->type, std::string(header->length, '\0')};
  if (header->length > 0) {
    Status payload = co_await ReadExactly(frame.payload.data(), frame.payload.size());
    if (!timeout_reason_.empty()) {
      *failure = FrameFailure::kTimeout;
      co_return Error::Failed(timeout_reason_);
    }
    if (!payload.ok()) co_return Error::Failed("the peer closed the connection inside a frame");
  }
  bytes_in_ += kFrameHeaderSize + header->length;
  last_activity_ = Clock::now();
  *failure = FrameFailure::kNone;
  co_return frame;
}

asio::awaitable<Status> Connection::WriteFrame(FrameType type, std::string_view payload) {
  if (!timeout_reason_.empty() && type != FrameType::kError) {
    co_return Error::Failed(timeout_reason_);
  }
  if (writing_) co_return Error::Failed("a frame is already being written");
  auto header = EncodeFrameHeader(type, static_cast<std::uint32_t>(payload.size()));
  write_buffer_.assign(reinterpret_cast<const char*>(header.data()), header.size());
  write_buffer_.append(payload);
  writing_ = true;
  auto written = co_await Drive(
      [this] {
        std::size_t n = 0;
        return SSL_write_ex(ssl_, write_buffer_.data(), write_buffer_.size(), &n) == 1 ? 1 : -1;
      },
      "writing to the peer failed");
  // No co_await inside ?: -- GCC 12 destroys the temporaries of such expressions twice.
  Status flushed = written.status();
  if (flushed.ok()) flushed = co_await Flush();
  writing_ = false;
  if (!flushed.ok()) co_return flushed;
  bytes_out_ += write_buffer_.size();
  last_activity_ = Clock::now();
  co_return OkStatus();
}

asio::awaitable<void> Connection::Shutdown() {
  if (timeout_reason_.empty() && ssl_ != nullptr && SSL_is_init_finished(ssl_)) {
    // Bounded: the watchdog closes the socket if the peer never answers close_notify.
    EndWithin(kGoodbyeGrace);
    ERR_clear_error();
    Status flushed = Error::Failed("close_notify not sent");
    if (SSL_shutdown(ssl_) >= 0) flushed = co_await Flush();
    if (flushed.ok()) {
      // Wait for the peer's close_notify, so that closing cannot reset what it still reads.
      char discard[4096];
      while (true) {
        auto n = co_await Drive(
            [&] {
              std::size_t read = 0;
              return SSL_read_ex(ssl_, discard, sizeof(discard), &read) == 1
                         ? static_cast<int>(read)
                         : -1;
            },
            "closing");
        if (!n.ok() || *n == 0) break;
      }
    }
  }
  Close();
}

void Connection::Close() {
  asio::error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_both, ignored);
  socket_.close(ignored);
  Finish();
}

}  // namespace vigil::rpc
