#include "http/client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/strict_number.h"
#include "base/unique_fd.h"

namespace vigil::http {
namespace {

using Clock = std::chrono::steady_clock;

std::string Seconds(std::chrono::milliseconds ms) {
  const auto s = ms.count() / 1000;
  const auto tenths = (ms.count() % 1000) / 100;
  return std::to_string(s) + (tenths != 0 ? "." + std::to_string(tenths) : "") + " s";
}

bool IsHostChar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.';
}

// One exchange on one socket, all of it before `deadline`.
class Exchange {
 public:
  Exchange(const Url& url, Clock::time_point deadline, std::chrono::milliseconds budget)
      : url_(url), deadline_(deadline), budget_(budget) {}

  Status Connect() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* found = nullptr;
    const int rc =
        ::getaddrinfo(url_.host.c_str(), std::to_string(url_.port).c_str(), &hints, &found);
    if (rc != 0) {
      return Error::MissingEnv("cannot resolve " + url_.host + ": " + ::gai_strerror(rc));
    }
    std::string last = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      UniqueFd fd(
          ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
      if (fd.get() < 0) continue;
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
        last = std::strerror(errno);
        continue;
      }
      Status ready = Wait(fd.get(), POLLOUT, "connecting");
      if (!ready.ok()) {
        ::freeaddrinfo(found);
        return ready;
      }
      int error = 0;
      socklen_t size = sizeof(error);
      ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size);
      if (error != 0) {
        last = std::strerror(error);
        continue;
      }
      fd_ = std::move(fd);
      break;
    }
    ::freeaddrinfo(found);
    if (fd_.get() < 0)
      return Error::MissingEnv("cannot connect to " + url_.ToString() + ": " + last);
    return OkStatus();
  }

  Status Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        VIGIL_RETURN_IF_ERROR(Wait(fd_.get(), POLLOUT, "sending the request"));
        continue;
      }
      if (n < 0)
        return Error::MissingEnv(url_.ToString() + ": sending failed: " + std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return OkStatus();
  }

  // Appends what arrives next (at most `room` bytes) to `buffer`; 0 at the end of stream.
  Result<std::size_t> Receive(std::string& buffer, std::size_t room, const char* what) {
    char chunk[16 << 10];
    while (true) {
      const ssize_t n = ::recv(fd_.get(), chunk, std::min(room, sizeof(chunk)), 0);
      if (n >= 0) {
        buffer.append(chunk, static_cast<std::size_t>(n));
        return static_cast<std::size_t>(n);
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        return Error::MissingEnv(url_.ToString() + ": " + what +
                                 " failed: " + std::strerror(errno));
      }
      VIGIL_RETURN_IF_ERROR(Wait(fd_.get(), POLLIN, what));
    }
  }

 private:
  Status Wait(int fd, short events, const char* what) {
    while (true) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now());
      if (left.count() <= 0) {
        return Error::MissingEnv(url_.ToString() + " did not answer within " + Seconds(budget_) +
                                 " (stopped while " + what + "); try again, or raise --timeout");
      }
      pollfd p{fd, events, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
      if (n > 0) return OkStatus();
      if (n < 0 && errno != EINTR) {
        return Error::MissingEnv(url_.ToString() + ": poll failed: " + std::strerror(errno));
      }
    }
  }

  const Url& url_;
  Clock::time_point deadline_;
  std::chrono::milliseconds budget_;
  UniqueFd fd_{-1};
};

// Moves the complete chunks at the front of `raw` into `body` (chunked transfer coding).
// Returns true once the last chunk and the trailer were consumed; Failed for malformed
// chunks or a body over `max`.
Result<bool> ConsumeChunks(std::string& raw, std::size_t max, Bytes& body) {
  while (true) {
    const std::size_t line_end = raw.find("\r\n");
    if (line_end == std::string::npos) {
      if (raw.size() > 1024) return Error::Failed("a chunk size line is over 1 KiB");
      return false;
    }
    std::string_view line = std::string_view(raw).substr(0, line_end);
    line = line.substr(0, line.find(';'));  // chunk extensions are ignored
    std::size_t size = 0;
    auto parsed = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (line.empty() || parsed.ec != std::errc() || parsed.ptr != line.data() + line.size()) {
      return Error::Failed("a chunk size is not hexadecimal");
    }
    if (size > max - body.size()) {
      return Error::Failed("the response body is over the limit of " + std::to_string(max) +
                           " bytes");
    }
    const std::size_t data = line_end + 2;
    if (size == 0) {
      // The trailer: header lines (ignored), then an empty line.
      if (raw.compare(data, 2, "\r\n") == 0) return true;
      if (raw.find("\r\n\r\n", data) != std::string::npos) return true;
      if (raw.size() - data > 8 << 10) return Error::Failed("the chunked trailer is over 8 KiB");
      return false;
    }
    if (raw.size() < data + size + 2) return false;
    if (raw.compare(data + size, 2, "\r\n") != 0) {
      return Error::Failed("a chunk does not end with CRLF");
    }
    body.insert(body.end(), raw.begin() + static_cast<std::ptrdiff_t>(data),
                raw.begin() + static_cast<std::ptrdiff_t>(data + size));
    raw.erase(0, data + size + 2);
  }
}

}  // namespace

std::string Url::ToString() const {
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Url> ParseUrl(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return Error::BadInput("'" + text.substr(0, 300) + "' is not a usable http:// URL: " + why +
                           " (use http://HOST:PORT)");
  };
  std::string_view rest = text;
  if (!rest.starts_with("http://")) return bad("it must start with http://");
  rest.remove_prefix(7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@") != std::string_view::npos) {
    return bad("no path, query or user name may follow the host");
  }
  Url url;
  std::string_view port;
  if (rest.starts_with("[")) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("the IPv6 address has no closing ]");
    url.host = std::string(rest.substr(1, close - 1));
    // The longest IPv6 text (an IPv4 tail included) is 45 characters, and has a colon.
    if (url.host.size() > 45 || url.host.find(':') == std::string::npos ||
        url.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return bad("the IPv6 address is not hexadecimal groups");
    }
    rest.remove_prefix(close + 1);
    if (!rest.empty() && !rest.starts_with(":")) return bad("only :PORT may follow the ]");
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const std::size_t colon = rest.find(':');
    url.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    if (url.host.empty() || url.host.size() > 253 ||
        !std::all_of(url.host.begin(), url.host.end(), IsHostChar)) {
      return bad("the host must be a DNS name or an IP address");
    }
  }
  if (rest.find(':') != std::string_view::npos && port.empty()) return bad("the port is empty");
  if (!port.empty()) {
    const ScannedNumber<std::uint64_t> value = ScanUnsigned(port, 1, 65535);
    if (!value.ok()) return bad("the port must be 1 to 65535");
    url.port = static_cast<int>(value.value);
  }
  return url;
}

namespace {

// One exchange: `method` with `body` (sent with Content-Length when the method is POST).
// The request's bytes; BadInput for a header field that is not one line.
Result<std::string> RequestBytes(const Url& url, const std::string& method, const std::string& path,
                                 ByteView body, const HeaderList& headers) {
  bool typed = false;
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find_first_of(":\r\n ") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return Error::BadInput("a request header must be one line: " + name.substr(0, 40));
    }
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    typed = typed || lower == "content-type";
  }
  const std::string host =
      url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + host + ":" +
                        std::to_string(url.port) +
                        "\r\nUser-Agent: vigil\r\nAccept-Encoding: identity\r\n"
                        "Connection: close\r\n";
  if (method == "POST") {
    if (!typed) request += "Content-Type: application/octet-stream\r\n";
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  request.append(AsText(body));
  return request;
}

Result<Reply> Perform(const Url& url, const std::string& method, const std::string& path,
                      ByteView body, const ClientLimits& limits, const HeaderList& headers = {}) {
  VIGIL_ASSIGN_OR_RETURN(const std::string request, RequestBytes(url, method, path, body, headers));
  Exchange exchange(url, Clock::now() + limits.deadline, limits.deadline);
  VIGIL_RETURN_IF_ERROR(exchange.Connect());
  VIGIL_RETURN_IF_ERROR(exchange.Send(request));
  const std::string where = url.ToString() + path;
  std::string raw;
  std::optional<std::size_t> head_end;
  while (!(head_end = HeadEnd(raw))) {
    if (raw.size() > limits.head.max_bytes) {
      return Error::Failed(where + ": the response head is over " +
                           std::to_string(limits.head.max_bytes) + " bytes");
    }
    VIGIL_ASSIGN_OR_RETURN(std::size_t n,
                           exchange.Receive(raw, limits.head.max_bytes + 4 - raw.size() + 1,
                                            "reading the response head"));
    if (n == 0)
      return Error::Failed(where + ": the server closed the connection without an answer");
  }
  auto head = ParseResponseHead(std::string_view(raw).substr(0, *head_end), limits.head);
  if (!head.ok()) return Error::Failed(where + ": " + head.error().message());
  raw.erase(0, *head_end);

  Reply response;
  response.status = head->status;
  const std::string* encoding = head->fields.Find("transfer-encoding");
  const std::string* length_field = head->fields.Find("content-length");
  if (encoding != nullptr) {
    if (*encoding != "chunked") {
      return Error::Failed(where + ": unsupported Transfer-Encoding " + encoding->substr(0, 40));
    }
    while (true) {
      auto done = ConsumeChunks(raw, limits.max_body, response.body);
      if (!done.ok()) return Error::Failed(where + ": " + done.error().message());
      if (*done) break;
      VIGIL_ASSIGN_OR_RETURN(std::size_t n, exchange.Receive(raw, 64 << 10, "reading the body"));
      if (n == 0) return Error::Failed(where + ": the body ended inside a chunk");
    }
    return response;
  }
  std::optional<std::size_t> length;
  if (length_field != nullptr) {
    auto parsed = ParseContentLength(*length_field, limits.max_body);
    if (!parsed.ok()) return Error::Failed(where + ": " + parsed.error().message());
    length = *parsed;
  }
  const std::size_t want = length.value_or(limits.max_body + 1);
  while (raw.size() < want) {
    VIGIL_ASSIGN_OR_RETURN(std::size_t n,
                           exchange.Receive(raw, want - raw.size(), "reading the body"));
    if (n == 0) break;
  }
  if (length && raw.size() < *length) {
    return Error::Failed(where + ": the body ended after " + std::to_string(raw.size()) + " of " +
                         std::to_string(*length) + " bytes");
  }
  if (raw.size() > limits.max_body) {
    return Error::Failed(where + ": the response body is over the limit of " +
                         std::to_string(limits.max_body) + " bytes");
  }
  raw.resize(length.value_or(raw.size()));
  response.body.assign(raw.begin(), raw.end());
  return response;
}

}  // namespace

Result<Reply> Get(const Url& url, const std::string& path, const ClientLimits& limits) {
  return Perform(url, "GET", path, {}, limits);
}

Result<Reply> Post(const Url& url, const std::string& path, ByteView body,
                   const ClientLimits& limits) {
  return Perform(url, "POST", path, body, limits);
}

Result<Reply> Post(const Url& url, const std::string& path, ByteView body,
                   const ClientLimits& limits, const HeaderList& headers) {
  return Perform(url, "POST", path, body, limits, headers);
}

}  // namespace vigil::http
