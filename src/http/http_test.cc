// The server and the client against each other, and each against a hostile peer on a real
// loopback socket.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "base/unique_fd.h"
#include "http/client.h"
#include "http/server.h"

namespace vigil::http {
namespace {

using namespace std::chrono_literals;

// Connects to 127.0.0.1:port from the address `source` (another source of 127.0.0.0/8).
UniqueFd ConnectTo(int port, const char* source = "127.0.0.1") {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&from), sizeof(from)), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  return fd;
}

// Reads until the peer closes (or 10 s pass); returns what arrived.
std::string ReadAll(int fd) {
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  std::string out;
  char buffer[4096];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerLimits limits;
    limits.head_timeout = 500ms;
    limits.gate = {.max_connections = 8, .max_per_source = 4};
    limits.max_body = 1000;
    limits.body_timeout = 500ms;
    server_ = std::make_unique<Server>(limits);
    server_->Post("/echo", [](const Request& req, Response& res) {
      res.SetContent("got " + req.body, "text/plain");
    });
    server_->Get("/hello",
                 [](const Request&, Response& res) { res.SetContent("hello\n", "text/plain"); });
    server_->Get("/stream", [](const Request&, Response& res) {
      auto n = std::make_shared<int>(0);
      res.stream = [n](std::string& out) {
        if (++*n > 3) return StreamStep::kDone;
        out += "part" + std::to_string(*n) + ";";
        return *n == 2 ? StreamStep::kWait : StreamStep::kData;
      };
    });
    auto port = server_->Start("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().message();
    port_ = *port;
    url_ = {"127.0.0.1", port_};
  }

  std::unique_ptr<Server> server_;
  int port_ = 0;
  Url url_;
};

TEST_F(HttpTest, ServesAndFetches) {
  auto response = Get(url_, "/hello", {});
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(std::string(response->body.begin(), response->body.end()), "hello\n");
  auto missing = Get(url_, "/nothing", {});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
}

TEST_F(HttpTest, PostRoutesTakeBoundedBodies) {
  auto echoed = Post(url_, "/echo", AsBytes("ping"), {});
  ASSERT_TRUE(echoed.ok()) << echoed.error().message();
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(std::string(echoed->body.begin(), echoed->body.end()), "got ping");
  EXPECT_EQ(Post(url_, "/echo", Bytes(1001, 'x'), {})->status, 413);
  EXPECT_EQ(Post(url_, "/hello", AsBytes("x"), {})->status, 405);
  EXPECT_EQ(Post(url_, "/nothing", AsBytes("x"), {})->status, 405);
  UniqueFd chunked = ConnectTo(port_);
  const std::string request =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n0\r\n\r\n";
  ::send(chunked.get(), request.data(), request.size(), MSG_NOSIGNAL);
  EXPECT_NE(ReadAll(chunked.get()).find("411"), std::string::npos);
  UniqueFd get_body = ConnectTo(port_);
  const std::string get = "GET /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi";
  ::send(get_body.get(), get.data(), get.size(), MSG_NOSIGNAL);
  EXPECT_NE(ReadAll(get_body.get()).find("413"), std::string::npos);
}

TEST_F(HttpTest, ABodyThatNeverArrivesIsCutAtItsDeadline) {
  UniqueFd slow = ConnectTo(port_);
  const std::string head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc";
  ::send(slow.get(), head.data(), head.size(), MSG_NOSIGNAL);
  const auto start = std::chrono::steady_clock::now();
  ReadAll(slow.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST_F(HttpTest, StreamsChunkedBodies) {
  auto response = Get(url_, "/stream", {});
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(std::string(response->body.begin(), response->body.end()), "part1;part2;part3;");
}

TEST_F(HttpTest, ASlowHeadIsCutAtItsDeadlineNotPerRead) {
  UniqueFd slow = ConnectTo(port_);
  const auto start = std::chrono::steady_clock::now();
  ::send(slow.get(), "GET /hello HTTP/1.1\r\n", 21, MSG_NOSIGNAL);
  // One header line every 100 ms: each read succeeds, the head never completes.
  for (int i = 0; i < 15; ++i) {
    if (::send(slow.get(), "X-A: b\r\n", 8, MSG_NOSIGNAL) < 0) break;
    std::this_thread::sleep_for(100ms);
  }
  ReadAll(slow.get());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1400ms);
}

TEST_F(HttpTest, OneSourceCannotTakeEveryConnection) {
  std::vector<UniqueFd> flood;
  for (int i = 0; i < 4; ++i) flood.push_back(ConnectTo(port_, "127.0.0.2"));
  UniqueFd fifth = ConnectTo(port_, "127.0.0.2");
  EXPECT_NE(ReadAll(fifth.get()).find("503"), std::string::npos);
  auto response = Get(url_, "/hello", {});  // from 127.0.0.1
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTest, AFullServerEvictsIdleConnectionsForNewOnes) {
  std::vector<UniqueFd> idle;
  for (const char* source : {"127.0.0.2", "127.0.0.3"}) {
    for (int i = 0; i < 4; ++i) idle.push_back(ConnectTo(port_, source));
  }
  std::this_thread::sleep_for(50ms);
  auto response = Get(url_, "/hello", {});
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpTest, RefusesBadRequests) {
  auto ask = [&](const std::string& request) {
    UniqueFd fd = ConnectTo(port_);
    ::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL);
    return ReadAll(fd.get());
  };
  EXPECT_TRUE(ask("POST /hello HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(
      ask("GET /hello HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello").starts_with("HTTP/1.1 413"));
  EXPECT_TRUE(ask("GET /hello HTTP/1.1\r\nA: " + std::string(20000, 'b') + "\r\n\r\n")
                  .starts_with("HTTP/1.1 431"));
  EXPECT_FALSE(ask("GET /hello HTTP/1.1\nHost: x\n\n").starts_with("HTTP/1.1 200"));
  const std::string ranged =
      ask("GET /hello HTTP/1.1\r\nRange: bytes=0-1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(ranged.starts_with("HTTP/1.1 206")) << ranged;
  EXPECT_TRUE(ranged.ends_with("\r\n\r\nhe"));
  EXPECT_TRUE(ask("GET /hello HTTP/1.1\r\nRange: bytes=0-,0-\r\n\r\n").starts_with("HTTP/1.1 416"));
}

TEST_F(HttpTest, KeepsConnectionsAlive) {
  UniqueFd fd = ConnectTo(port_);
  const std::string two =
      "GET /hello HTTP/1.1\r\n\r\nGET /hello HTTP/1.1\r\nConnection: close\r\n\r\n";
  ::send(fd.get(), two.data(), two.size(), MSG_NOSIGNAL);
  const std::string answers = ReadAll(fd.get());
  const std::size_t first = answers.find("\r\n\r\nhello\n");
  ASSERT_NE(first, std::string::npos) << answers;
  EXPECT_NE(answers.find("\r\n\r\nhello\n", first + 1), std::string::npos) << answers;
}

TEST(HttpClient, ParsesUrlsStrictly) {
  EXPECT_TRUE(ParseUrl("http://127.0.0.1:8080").ok());
  EXPECT_TRUE(ParseUrl("http://[::1]:80/").ok());
  EXPECT_EQ(ParseUrl("http://ledger.example")->port, 80);
  for (const char* bad : {"http://127.0.0.1:99999", "http://[::1", "https://x", "http://x/path",
                          "http://u@x", "http://x:", "http://x:0", "ftp://x", "http://"}) {
    EXPECT_FALSE(ParseUrl(bad).ok()) << bad;
  }
  // Brackets hold an IPv6 address only: no name, nothing longer than IPv6 text can be.
  EXPECT_FALSE(ParseUrl("http://[1.2]:80").ok());
  EXPECT_FALSE(ParseUrl("http://[" + std::string(300, 'a') + ":1]:80").ok());
  EXPECT_EQ(ParseUrl("http://[::ffff:192.168.100.200]:8080")->host, "::ffff:192.168.100.200");
}

// A hostile server: `answer` is sent, then the connection is held open for `hold`.
class HostileServer {
 public:
  HostileServer(std::function<void(int)> behave) {
    listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(listener_.get(), 4);
    socklen_t size = sizeof(addr);
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, behave] {
      UniqueFd client(::accept(listener_.get(), nullptr, nullptr));
      if (client.get() >= 0) behave(client.get());
    });
  }
  ~HostileServer() { thread_.join(); }
  Url url() const { return {"127.0.0.1", port_}; }

 private:
  UniqueFd listener_{-1};
  int port_ = 0;
  std::thread thread_;
};

TEST(HttpClient, EndlessHeadersAreCutAtTheLimit) {
  HostileServer server([](int fd) {
    ::send(fd, "HTTP/1.1 200 OK\r\n", 17, MSG_NOSIGNAL);
    const std::string line = "X-A: " + std::string(1000, 'b') + "\r\n";
    while (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) > 0) {
    }
  });
  auto response = Get(server.url(), "/checkpoint", {});
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message().find("head is over"), std::string::npos)
      << response.error().message();
}

TEST(HttpClient, ADrippedBodyMeetsTheDeadline) {
  HostileServer server([](int fd) {
    ::send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n", 44, MSG_NOSIGNAL);
    for (int i = 0; i < 40 && ::send(fd, "A", 1, MSG_NOSIGNAL) > 0; ++i) {
      std::this_thread::sleep_for(50ms);
    }
  });
  ClientLimits limits;
  limits.deadline = 600ms;
  const auto start = std::chrono::steady_clock::now();
  auto response = Get(server.url(), "/checkpoint", limits);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code(), ErrorCode::kMissingEnv);
  EXPECT_NE(response.error().message().find("did not answer within 0.6 s"), std::string::npos)
      << response.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(HttpClient, AnOversizedBodyIsRefused) {
  HostileServer server([](int fd) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    ::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    const std::string chunk = "400\r\n" + std::string(1024, 'x') + "\r\n";
    while (::send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
    }
  });
  ClientLimits limits;
  limits.max_body = 64 << 10;
  auto response = Get(server.url(), "/x", limits);
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message().find("over the limit of 65536 bytes"), std::string::npos)
      << response.error().message();
}

}  // namespace
}  // namespace vigil::http
