#include "http/server.h"

#include <sys/socket.h>

#include <asio/async_result.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <exception>
#include <map>
#include <thread>

#include "base/strict_number.h"

namespace vigil::http {
namespace {

using Clock = std::chrono::steady_clock;
using asio::ip::tcp;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
// After the last response: how long, and how much, the client's further input is read.
constexpr std::chrono::milliseconds kLinger{1'000};
constexpr std::size_t kMaxLingerBytes = 256 << 10;

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

Response ErrorResponse(int status, const std::string& message) {
  Response response;
  response.status = status;
  response.SetHeader("Cache-Control", "no-store");
  response.SetContent(message + "\n", "text/plain; charset=utf-8");
  return response;
}

// A single byte range of a body of `size` bytes: {first, last}; nullopt when `value` is
// not one range we understand (then the whole body is served), {1, 0} when unsatisfiable.
std::optional<std::pair<std::uint64_t, std::uint64_t>> OneRange(std::string_view value,
                                                                std::uint64_t size) {
  if (!value.starts_with("bytes=")) return std::nullopt;
  value.remove_prefix(6);
  const std::size_t dash = value.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto number = [](std::string_view text, std::uint64_t& out) {
    const ScannedNumber<std::uint64_t> parsed = ScanUnsigned(text);
    out = parsed.value;
    return parsed.ok();
  };
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::string_view a = value.substr(0, dash);
  std::string_view b = value.substr(dash + 1);
  if (a.empty()) {  // the last N bytes
    if (!number(b, last) || last == 0) return std::nullopt;
    if (size == 0) return std::pair<std::uint64_t, std::uint64_t>{1, 0};
    return std::pair{size - std::min(last, size), size - 1};
  }
  if (!number(a, first)) return std::nullopt;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!number(b, last) || last < first) {
    return std::nullopt;
  }
  if (first >= size) return std::pair<std::uint64_t, std::uint64_t>{1, 0};
  return std::pair{first, std::min(last, size - 1)};
}

// One client connection: its socket, and the deadline its watchdog enforces (moved by the
// connection as it goes: the head deadline while reading, the write deadline while writing).
struct Conn {
  Conn(tcp::socket s, asio::io_context& io) : socket(std::move(s)), timer(io) {}
  void Close() {
    asio::error_code ignored;
    socket.close(ignored);
    timer.cancel();
  }
  tcp::socket socket;
  asio::steady_timer timer;
  Clock::time_point deadline;
};

}  // namespace

void Response::SetHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
}

void Response::SetContent(std::string content, std::string type) {
  body = std::move(content);
  SetHeader("Content-Type", std::move(type));
}

struct Server::Impl {
  explicit Impl(ServerLimits l) : limits(l), gate(l.gate), pool(l.worker_threads) {}

  ServerLimits limits;
  ConnectionGate gate;  // used on the network thread only
  asio::thread_pool pool;
  asio::io_context io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::thread thread;
  std::map<std::string, Handler> exact;
  std::map<std::string, Handler> posts;
  std::string not_found = "not found: see / for the builds, or /checkpoint and /tile/...";
  std::vector<std::pair<std::string, Handler>> prefixes;
  std::vector<std::pair<std::string, std::string>> default_headers;
  std::chrono::milliseconds poll_interval{250};
  bool stopping = false;

  // Runs `work` on the pool and resumes the calling coroutine on the network thread. Not a
  // coroutine itself: GCC 12 destroys some temporaries of a co_await expression twice when
  // they are arguments of a coroutine, so callers also pass a named `work`.
  template <typename Result, typename Work>
  auto OnPool(Work work) {
    return asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
        [this, work = std::move(work)](auto handler) mutable {
          asio::post(pool, [this, work, handler = std::move(handler)]() mutable {
            Result result = work();
            asio::post(io, [handler = std::move(handler), result = std::move(result)]() mutable {
              handler(std::move(result));
            });
          });
        },
        asio::use_awaitable);
  }

  const Handler* Route(const std::string& method, const std::string& path) const {
    if (method == "POST") {
      auto post = posts.find(path);
      return post == posts.end() ? nullptr : &post->second;
    }
    auto found = exact.find(path);
    if (found != exact.end()) return &found->second;
    for (const auto& [prefix, handler] : prefixes) {
      if (path.starts_with(prefix)) return &handler;
    }
    return nullptr;
  }

  std::string HeadText(const Response& response, const std::string& length_field,
                       bool keep_alive) const {
    std::string text =
        "HTTP/1.1 " + std::to_string(response.status) + " " + Reason(response.status) + "\r\n";
    for (const auto& [name, value] : default_headers) text += name + ": " + value + "\r\n";
    for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
    text += length_field;
    text += keep_alive ? "" : "Connection: close\r\n";
    text += "\r\n";
    return text;
  }

  asio::awaitable<void> Accept() {
    while (!stopping) {
      auto [error, socket] = co_await acceptor->async_accept(kNoThrow);
      if (error) {
        if (error == asio::error::operation_aborted || stopping) co_return;
        asio::steady_timer pause(io, std::chrono::milliseconds(100));  // EMFILE: back off
        co_await pause.async_wait(kNoThrow);
        continue;
      }
      asio::error_code ignored;
      const std::string source = socket.remote_endpoint(ignored).address().to_string();
      auto conn = std::make_shared<Conn>(std::move(socket), io);
      ConnectionGate::Refusal refusal;
      ConnectionGate::Ticket ticket = gate.Admit(
          source,
          [weak = std::weak_ptr<Conn>(conn)] {
            if (auto c = weak.lock()) c->Close();
          },
          &refusal);
      if (!ticket.admitted()) {
        // Tell the client why, if its socket takes the bytes now; never wait for it.
        const std::string text =
            "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n";
        ::send(conn->socket.native_handle(), text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        conn->Close();
        continue;
      }
      conn->deadline = Clock::now() + limits.head_timeout;
      asio::co_spawn(io, Watch(conn), asio::detached);
      asio::co_spawn(io, Serve(conn, std::move(ticket)), asio::detached);
    }
  }

  // Closes the connection once its deadline passes.
  static asio::awaitable<void> Watch(std::shared_ptr<Conn> conn) {
    while (conn->socket.is_open()) {
      if (Clock::now() >= conn->deadline) {
        conn->Close();
        co_return;
      }
      conn->timer.expires_at(std::min(conn->deadline, Clock::now() + std::chrono::seconds(1)));
      co_await conn->timer.async_wait(kNoThrow);
    }
  }

  asio::awaitable<void> Serve(std::shared_ptr<Conn> conn, ConnectionGate::Ticket ticket) {
    try {
      co_await ServeRequests(*conn, ticket);
    } catch (const std::exception&) {
      // Out of memory and the like: drop this connection, not the server.
    }
    // Lingering close: stop sending, then read what the client still sends for a moment,
    // so that closing with unread input does not reset the connection before the client
    // has read our answer (a 431 or 413 would otherwise be lost).
    asio::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_send, ignored);
    conn->deadline = std::min(conn->deadline, Clock::now() + kLinger);
    std::size_t drained = 0;
    char sink[4096];
    while (conn->socket.is_open() && drained < kMaxLingerBytes) {
      auto [error, n] = co_await conn->socket.async_read_some(asio::buffer(sink), kNoThrow);
      if (error) break;
      drained += n;
    }
    conn->Close();
  }

  asio::awaitable<void> ServeRequests(Conn& conn, ConnectionGate::Ticket& ticket) {
    asio::error_code ignored;
    conn.socket.set_option(tcp::no_delay(true), ignored);
    std::string buffer;
    for (std::size_t served = 0; served < limits.max_requests_per_connection; ++served) {
      if (served > 0) {
        ticket.Distrust();  // waiting again: evictable, and the head deadline restarts
        conn.deadline = Clock::now() + limits.head_timeout;
      }
      std::optional<std::size_t> head_end;
      while (!(head_end = HeadEnd(buffer)) || *head_end > limits.head.max_bytes) {
        if (buffer.size() > limits.head.max_bytes) {
          co_await Send(conn,
                        ErrorResponse(431, "the request head is over " +
                                               std::to_string(limits.head.max_bytes) + " bytes"),
                        false, false);
          co_return;
        }
        char chunk[4096];
        auto [error, n] = co_await conn.socket.async_read_some(asio::buffer(chunk), kNoThrow);
        if (error) co_return;  // closed, reset, or the head deadline passed
        buffer.append(chunk, n);
      }
      ticket.Trust();
      auto head = ParseRequestHead(std::string_view(buffer).substr(0, *head_end), limits.head);
      buffer.erase(0, *head_end);
      if (!head.ok()) {
        co_await Send(conn, ErrorResponse(400, head.error().message()), false, false);
        co_return;
      }
      std::string body;
      if (std::optional<Response> refused = co_await ReadBody(conn, *head, buffer, body)) {
        co_await Send(conn, std::move(*refused), false, false);
        co_return;
      }
      const std::string* connection = head->fields.Find("connection");
      const bool keep_alive = head->minor_version == 1 &&
                              !(connection != nullptr && *connection == "close") &&
                              served + 1 < limits.max_requests_per_connection;
      const bool head_only = head->method == "HEAD";

      Request request{head->method, head->path, &head->fields, std::move(body)};
      const Handler* handler = Route(request.method, request.path);
      Response response;
      if (handler == nullptr) {
        response = ErrorResponse(404, not_found);
      } else {
        const auto handle = [handler, &request]() {
          Response r;
          try {
            (*handler)(request, r);
          } catch (const std::exception&) {
            r = ErrorResponse(500, "internal error; try again later");
          }
          return r;
        };
        response = co_await OnPool<Response>(handle);
      }
      const std::string* range = head->fields.Find("range");
      if (range != nullptr && !response.stream && response.status == 200) {
        response = ApplyRange(std::move(response), *range);
      }
      if (!co_await Send(conn, std::move(response), keep_alive, head_only)) co_return;
    }
  }

  // The request's body: none for GET and HEAD; for a POST route, exactly Content-Length
  // bytes, at most limits.max_body, arriving within limits.body_timeout. A refusal to send
  // instead (the connection is closed after it).
  asio::awaitable<std::optional<Response>> ReadBody(Conn& conn, const RequestHead& head,
                                                    std::string& buffer, std::string& body) {
    const std::string* length = head.fields.Find("content-length");
    const bool chunked = head.fields.Find("transfer-encoding") != nullptr;
    if (head.method == "GET" || head.method == "HEAD") {
      if (chunked || (length != nullptr && *length != "0")) {
        co_return ErrorResponse(413, "GET and HEAD requests carry no body");
      }
      co_return std::nullopt;
    }
    const bool postable = posts.contains(head.path);
    if (head.method != "POST" || !postable) {
      Response refused =
          ErrorResponse(405, "method " + head.method + " not allowed on " + head.path);
      refused.SetHeader("Allow", postable ? "POST" : "GET, HEAD");
      co_return refused;
    }
    if (chunked || length == nullptr) {
      co_return ErrorResponse(411, "send the body with Content-Length (not chunked)");
    }
    auto size = ParseContentLength(*length, limits.max_body);
    if (!size.ok()) {
      co_return ErrorResponse(
          413, "the body is over the limit of " + std::to_string(limits.max_body) + " bytes");
    }
    conn.deadline = Clock::now() + limits.body_timeout;
    std::vector<char> chunk(64 << 10);
    while (buffer.size() < *size) {
      auto [error, n] = co_await conn.socket.async_read_some(asio::buffer(chunk), kNoThrow);
      if (error) co_return ErrorResponse(408, "the body did not arrive in time");
      buffer.append(chunk.data(), n);
    }
    body = buffer.substr(0, *size);
    buffer.erase(0, *size);
    co_return std::nullopt;
  }

  static Response Unsatisfiable(std::size_t size) {
    Response refused;
    refused.status = 416;
    refused.SetHeader("Content-Range", "bytes */" + std::to_string(size));
    return refused;
  }

  static Response ApplyRange(Response response, const std::string& range) {
    // Several ranges would multiply a small request's answer (finding D8): refused.
    if (range.find(',') != std::string::npos) return Unsatisfiable(response.body.size());
    auto one = OneRange(range, response.body.size());
    if (!one) return response;
    if (one->first > one->second) return Unsatisfiable(response.body.size());
    response.status = 206;
    response.SetHeader("Content-Range", "bytes " + std::to_string(one->first) + "-" +
                                            std::to_string(one->second) + "/" +
                                            std::to_string(response.body.size()));
    response.body = response.body.substr(one->first, one->second - one->first + 1);
    return response;
  }

  asio::awaitable<bool> Write(Conn& conn, std::string_view data) {
    conn.deadline = Clock::now() + limits.write_timeout;
    auto [error, n] = co_await asio::async_write(conn.socket, asio::buffer(data), kNoThrow);
    co_return !error;
  }

  // Sends `response`; false when the connection failed or must end.
  asio::awaitable<bool> Send(Conn& conn, Response response, bool keep_alive, bool head_only) {
    if (!response.stream) {
      const std::string text = HeadText(
          response, "Content-Length: " + std::to_string(response.body.size()) + "\r\n", keep_alive);
      if (!co_await Write(conn, text)) co_return false;
      if (!head_only && !response.body.empty() && !co_await Write(conn, response.body)) {
        co_return false;
      }
      co_return keep_alive;
    }
    const bool chunked = !response.stream_length;
    const std::string framing =
        chunked ? std::string("Transfer-Encoding: chunked\r\n")
                : "Content-Length: " + std::to_string(*response.stream_length) + "\r\n";
    // A stream ends its connection when it ends: a follower may run for hours.
    if (!co_await Write(conn, HeadText(response, framing, false))) co_return false;
    if (head_only) co_return false;
    auto stream =
        std::make_shared<std::function<StreamStep(std::string&)>>(std::move(response.stream));
    struct Step {
      StreamStep step = StreamStep::kFail;
      std::string data;
    };
    std::uint64_t sent = 0;
    asio::steady_timer wait(io);
    const auto produce = [stream]() {
      Step s;
      try {
        s.step = (*stream)(s.data);
      } catch (const std::exception&) {
        s.step = StreamStep::kFail;
      }
      return s;
    };
    while (!stopping && conn.socket.is_open()) {
      Step step = co_await OnPool<Step>(produce);
      if (step.step == StreamStep::kFail) co_return false;
      if (!step.data.empty()) {
        if (!chunked && sent + step.data.size() > *response.stream_length) co_return false;
        sent += step.data.size();
        if (chunked) {
          char size[20];
          char* end = std::to_chars(size, size + sizeof(size), step.data.size(), 16).ptr;
          step.data = std::string(size, end) + "\r\n" + step.data + "\r\n";
        }
        if (!co_await Write(conn, step.data)) co_return false;
      }
      if (step.step == StreamStep::kDone) {
        if (chunked) co_await Write(conn, "0\r\n\r\n");
        co_return false;
      }
      if (step.step == StreamStep::kWait) {
        conn.deadline = Clock::now() + poll_interval + limits.write_timeout;
        wait.expires_after(poll_interval);
        co_await wait.async_wait(kNoThrow);
      }
    }
    co_return false;
  }
};

Server::Server(ServerLimits limits) : impl_(std::make_unique<Impl>(limits)) {}

Server::~Server() { Stop(); }

void Server::Get(std::string path, Handler handler) {
  impl_->exact[std::move(path)] = std::move(handler);
}

void Server::Post(std::string path, Handler handler) {
  impl_->posts[std::move(path)] = std::move(handler);
}

void Server::SetNotFoundMessage(std::string message) { impl_->not_found = std::move(message); }

void Server::GetPrefix(std::string prefix, Handler handler) {
  impl_->prefixes.emplace_back(std::move(prefix), std::move(handler));
}

void Server::SetDefaultHeaders(std::vector<std::pair<std::string, std::string>> headers) {
  impl_->default_headers = std::move(headers);
}

void Server::SetStreamPollInterval(std::chrono::milliseconds interval) {
  impl_->poll_interval = interval;
}

Result<int> Server::Start(const std::string& host, int port) {
  if (impl_->acceptor) return Error::Failed("the HTTP server is started already");
  const std::string where = host + ":" + std::to_string(port);
  asio::error_code error;
  tcp::resolver resolver(impl_->io);
  auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, error);
  if (error || results.empty()) {
    return Error::BadInput("cannot resolve " + host + " for the HTTP API: " + error.message());
  }
  auto acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  const tcp::endpoint endpoint = results.begin()->endpoint();
  acceptor->open(endpoint.protocol(), error);
  // SO_REUSEADDR only: on Linux it never admits a second listener on the port (finding D7:
  // SO_REUSEPORT let a second ledger take a share of the requests).
  if (!error) acceptor->set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return Error::Failed("cannot listen on " + where + " for the HTTP API: " + error.message() +
                         "; choose another address or port");
  }
  const int bound = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  asio::co_spawn(impl_->io, impl_->Accept(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] {
    try {
      impl->io.run();
    } catch (const std::exception&) {
      // A failure here stops the API; the ledger's calls go on.
    }
  });
  return bound;
}

void Server::Stop() {
  if (!impl_->acceptor) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->stopping = true;
    asio::error_code ignored;
    impl->acceptor->close(ignored);
    impl->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->pool.join();
}

}  // namespace vigil::http
