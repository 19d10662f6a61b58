// A small HTTP/1.1 server for read-only APIs (the ledger's tiles, checkpoints and logs) and
// vigil-host's relay,
// built to stay available to legitimate readers while hostile ones try to exhaust it:
//  - every connection passes a ConnectionGate (a total limit, a limit per source address,
//    and the oldest connection that has not sent a whole request evicted to make room);
//  - a request head must arrive whole within a deadline counted from the connection's start
//    or the end of its previous response, not per read (a slowloris gains nothing);
//  - heads are bounded (bytes, fields) and parsed strictly; only POST routes take a body,
//    with Content-Length, bounded, within a deadline;
//  - sockets never wait on handlers: the network runs on one thread, handlers and body
//    streams on a small pool, and a streamed body that has nothing yet waits on a timer.
// Spec: docs/SPEC-ledger.md ("HTTP limits") and docs/THREAT-MODEL.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/connection_gate.h"
#include "base/result.h"
#include "http/message_head.h"

namespace vigil::http {

struct ServerLimits {
  GateLimits gate;
  HeadLimits head;
  // A whole request head must arrive within this of the connection's start (or of the end
  // of the previous response on a kept-alive connection).
  std::chrono::milliseconds head_timeout{2'000};
  // A response write that makes no progress for this long ends the connection.
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_requests_per_connection = 100;
  // POST bodies (Post routes only): at most this many bytes, with Content-Length, arriving
  // within body_timeout of the head. 0: no route takes a body.
  std::size_t max_body = 0;
  std::chrono::milliseconds body_timeout{20'000};
  std::size_t worker_threads = 4;
};

struct Request {
  std::string method;  // GET, HEAD, or POST on a Post route
  std::string path;    // without the query
  const Fields* fields = nullptr;
  std::string body;  // a POST's body
};

// What a streamed body's producer did: appended data, has nothing yet (ask again after the
// poll interval), finished, or failed (the connection is closed).
enum class StreamStep { kData, kWait, kDone, kFail };

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // A streamed body: called on a worker thread until it returns kDone or kFail. With
  // stream_length the body has that exact length; without it, chunked transfer coding.
  std::function<StreamStep(std::string& out)> stream;
  std::optional<std::uint64_t> stream_length;

  void SetHeader(std::string name, std::string value);
  void SetContent(std::string content, std::string type);
};

using Handler = std::function<void(const Request&, Response&)>;

class Server {
 public:
  explicit Server(ServerLimits limits = {});
  ~Server();  // stops
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes GET (and HEAD) for `path` exactly, or every path starting with `prefix`.
  void Get(std::string path, Handler handler);
  void GetPrefix(std::string prefix, Handler handler);
  // Routes POST for `path` exactly; its body is bounded by ServerLimits::max_body.
  void Post(std::string path, Handler handler);
  // The body of 404 answers.
  void SetNotFoundMessage(std::string message);
  // Headers added to every response.
  void SetDefaultHeaders(std::vector<std::pair<std::string, std::string>> headers);
  // How often a waiting stream is asked again.
  void SetStreamPollInterval(std::chrono::milliseconds interval);

  // Binds HOST:PORT (0: any free port) without SO_REUSEPORT, so a port in use is an error,
  // and serves on background threads. Returns the bound port.
  Result<int> Start(const std::string& host, int port);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::http
