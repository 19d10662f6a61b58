// One TLS connection carrying one call: the handshake, frames in both directions, and the
// deadlines (connect, idle, total) enforced by a watchdog. Used by both the service host
// and the caller. Runs on a single-threaded executor. Spec: docs/SPEC-call.md.
//
// OpenSSL runs directly on the non-blocking socket (Asio only waits for readiness): each
// frame goes out in one write(2) through a buffering BIO and reads use read-ahead, which
// asio::ssl::stream's 17 KiB memory BIOs cannot do (it reached 0.65 of plain OpenSSL's
// throughput; this design exceeds it).
#pragma once

#include <asio/awaitable.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "rpc/call_limits.h"
#include "rpc/frame.h"
#include "rpc/tls.h"

namespace vigil::rpc {

using Socket = asio::generic::stream_protocol::socket;

// A TLS alert from the service (it refused our certificate), explained for the caller.
Error ExplainTlsRefusal(const std::string& detail);

struct Frame {
  FrameType type = FrameType::kData;
  std::string payload;
};

// Why a read or write failed: the peer broke the protocol (error frames answer these),
// a deadline passed, or the connection itself failed.
enum class FrameFailure { kNone, kMalformed, kTooLarge, kTimeout, kClosed };

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` may be unconnected (a caller connects later and calls Attach).
  Connection(Socket socket, asio::ssl::context& context, CallLimits limits);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Attach(Socket socket);
  SSL* ssl() const { return ssl_; }
  const CallLimits& limits() const { return limits_; }

  // Arms the connect deadline; the watchdog runs until Finish().
  void StartWatchdog();
  // The request was accepted: from now on the idle and total deadlines apply.
  void EnterCall();
  void Finish();
  // Whatever else happens, the connection is closed within `limit` from now.
  void EndWithin(std::chrono::milliseconds limit);
  // "idle timeout (2 s without a frame)" once a deadline passed, else empty.
  const std::string& timeout_reason() const { return timeout_reason_; }

  asio::awaitable<Status> Handshake(TlsSide side);
  // The next frame; on failure *failure says why. A payload above `max_payload` (or the
  // connection's max_frame, whichever is smaller) is refused before it is read.
  asio::awaitable<Result<Frame>> ReadFrame(FrameFailure* failure,
                                           std::size_t max_payload = SIZE_MAX);
  asio::awaitable<Status> WriteFrame(FrameType type, std::string_view payload);
  // Sends close_notify (bounded by the watchdog) and closes the socket.
  asio::awaitable<void> Shutdown();
  void Close();

  bool writing() const { return writing_; }
  std::uint64_t bytes_in() const { return bytes_in_; }
  std::uint64_t bytes_out() const { return bytes_out_; }

 private:
  asio::awaitable<void> Watch();
  std::chrono::steady_clock::time_point Deadline() const;
  // Runs `operation` (an SSL_* call) until it succeeds, waiting for the socket as OpenSSL
  // asks; returns its positive result, or 0 at the peer's close_notify, or an Error.
  template <typename Operation>
  asio::awaitable<Result<int>> Drive(Operation operation, const char* what);
  asio::awaitable<Status> Flush();
  asio::awaitable<Status> ReadExactly(char* data, std::size_t size);

  Socket socket_;
  SSL_CTX* context_;
  SSL* ssl_ = nullptr;
  CallLimits limits_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point call_started_;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point hard_close_at_;
  std::chrono::steady_clock::time_point end_by_ = std::chrono::steady_clock::time_point::max();
  bool in_call_ = false;
  bool finished_ = false;
  bool writing_ = false;
  std::string write_buffer_;  // header and payload together: one SSL_write per frame
  std::string timeout_reason_;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;
};

}  // namespace vigil::rpc
