#include "rpc/connection.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

namespace vigil::rpc {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// After a deadline passes, the connection gets this long to say so before it is closed.
constexpr std::chrono::seconds kGoodbyeGrace{2};

std::string Seconds(std::chrono::milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + " s";
  return std::to_string(ms.count()) + " ms";
}

}  // namespace

Connection::Connection(Socket socket, asio::ssl::context& context, CallLimits limits)
    : stream_(std::move(socket), context),
      limits_(limits),
      timer_(stream_.get_executor()),
      started_(Clock::now()),
      last_activity_(started_) {}

void Connection::StartWatchdog() {
  asio::co_spawn(stream_.get_executor(), [self = shared_from_this()] { return self->Watch(); },
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
  return std::min({last_activity_ + limits_.idle_timeout, call_started_ + limits_.total_timeout,
                   end_by_});
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
      stream_.lowest_layer().cancel(ignored);  // pending reads and writes end now
      continue;
    }
    timer_.expires_at(deadline);
    co_await timer_.async_wait(kNoThrow);
  }
}

asio::awaitable<Status> Connection::Handshake(TlsSide side) {
  auto [error] = co_await stream_.async_handshake(
      side == TlsSide::kServer ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
      kNoThrow);
  if (!timeout_reason_.empty()) co_return Error::Failed(timeout_reason_);
  if (error) co_return Error::Failed("TLS handshake failed: " +
                                     DescribeTlsFailure(error, stream_.native_handle()));
  co_return OkStatus();
}

asio::awaitable<Result<Frame>> Connection::ReadFrame(FrameFailure* failure) {
  *failure = FrameFailure::kClosed;
  std::uint8_t header_bytes[kFrameHeaderSize];
  auto [error, n] = co_await asio::async_read(stream_, asio::buffer(header_bytes), kNoThrow);
  if (!timeout_reason_.empty()) {
    *failure = FrameFailure::kTimeout;
    co_return Error::Failed(timeout_reason_);
  }
  if (error) {
    if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
      co_return Error::Failed("the peer closed the connection");
    }
    co_return Error::Failed("reading from the peer failed: " +
                            DescribeTlsFailure(error, stream_.native_handle()));
  }
  CallError why = CallError::kMalformed;
  auto header = DecodeFrameHeader(header_bytes, limits_.max_frame, &why);
  if (!header.ok()) {
    *failure = why == CallError::kTooLarge ? FrameFailure::kTooLarge : FrameFailure::kMalformed;
    co_return header.error();
  }
  Frame frame{header->type, std::string(header->length, '\0')};
  if (header->length > 0) {
    auto [payload_error, m] =
        co_await asio::async_read(stream_, asio::buffer(frame.payload), kNoThrow);
    if (!timeout_reason_.empty()) {
      *failure = FrameFailure::kTimeout;
      co_return Error::Failed(timeout_reason_);
    }
    if (payload_error) co_return Error::Failed("the peer closed the connection inside a frame");
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
  // An ssl::stream writes one buffer per operation: joined, a frame is one TLS record.
  auto header = EncodeFrameHeader(type, static_cast<std::uint32_t>(payload.size()));
  write_buffer_.assign(reinterpret_cast<const char*>(header.data()), header.size());
  write_buffer_.append(payload);
  writing_ = true;
  auto [error, n] = co_await asio::async_write(stream_, asio::buffer(write_buffer_), kNoThrow);
  writing_ = false;
  if (error) {
    if (!timeout_reason_.empty()) co_return Error::Failed(timeout_reason_);
    co_return Error::Failed("writing to the peer failed: " +
                            DescribeTlsFailure(error, stream_.native_handle()));
  }
  bytes_out_ += n;
  last_activity_ = Clock::now();
  co_return OkStatus();
}

asio::awaitable<void> Connection::Shutdown() {
  if (timeout_reason_.empty()) {
    // Bounded: the watchdog closes the socket if the peer never answers close_notify.
    EndWithin(kGoodbyeGrace);
    co_await stream_.async_shutdown(kNoThrow);
  }
  Close();
}

void Connection::Close() {
  asio::error_code ignored;
  stream_.lowest_layer().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
  Finish();
}

}  // namespace vigil::rpc
