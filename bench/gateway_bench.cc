// A plain program: webhook deliveries accepted per second by vigil-gateway (MAC check,
// dedup, durable group-committed queue) over HTTP keep-alive on loopback with 100
// concurrent connections, against the same server doing the same parse and appending the
// same rows to the same store with the same durability, but without the MAC check (its
// delivery ids are unique, so its dedup never fires). Both in this process, one after the
// other, each with a fresh store; the load generator is one thread over non-blocking
// sockets.
//
//   gateway_bench [--deliveries N] [--connections C] [--body-bytes B]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "gateway/delivery_store.h"
#include "gateway/gateway.h"
#include "gateway/verdict_record.h"
#include "gateway/webhook.h"
#include "http/server.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

const std::string kSecret = "bench-secret-of-the-github-hook";

struct Options {
  std::size_t deliveries = 20000;
  std::size_t connections = 100;
  std::size_t body_bytes = 4096;
};

// The requests, made before the clock starts (the sender's MAC is not the server's cost).
std::vector<std::string> MakeRequests(const Options& options, const std::string& path,
                                      const std::string& prefix) {
  std::vector<std::string> requests;
  std::string padding(options.body_bytes > 200 ? options.body_bytes - 200 : 0, 'x');
  for (std::size_t i = 0; i < options.deliveries; ++i) {
    char commit[41];
    std::snprintf(commit, sizeof commit, "%040zx", i + 1);
    const std::string body = std::string("{\"ref\":\"refs/heads/main\",\"after\":\"") + commit +
                             "\",\"repository\":{\"full_name\":\"example/hello\"},\"pad\":\"" +
                             padding + "\"}";
    const std::string mac =
        HexEncode(crypto::HmacSha256(AsBytes(kSecret), AsBytes(body)).value().view());
    requests.push_back("POST " + path +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Content-Type: application/json\r\nX-GitHub-Event: push\r\n"
                       "X-GitHub-Delivery: " +
                       prefix + std::to_string(i) +
                       "\r\n"
                       "X-Hub-Signature-256: sha256=" +
                       mac + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                       body);
  }
  return requests;
}

int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

struct Conn {
  int fd = -1;
  std::string out, in;
  std::size_t sent = 0;
  Clock::time_point started;
  bool busy = false;
};

struct Result2 {
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::size_t failures = 0;
  double count() const { return static_cast<double>(latencies_ms.size()); }
  double rate() const { return count() / seconds; }
};

// A whole response in `in`: its length, whether the server closes after it, its status.
std::optional<std::size_t> ResponseEnd(const std::string& in, bool& closes, int& status) {
  const std::size_t head = in.find("\r\n\r\n");
  if (head == std::string::npos) return std::nullopt;
  std::string lower = in.substr(0, head);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  status = std::atoi(in.c_str() + 9);
  closes = lower.find("connection: close") != std::string::npos;
  const std::size_t at = lower.find("content-length:");
  const std::size_t length =
      at == std::string::npos ? 0 : std::strtoul(lower.c_str() + at + 15, nullptr, 10);
  if (in.size() < head + 4 + length) return std::nullopt;
  return head + 4 + length;
}

Result2 Load(int port, const std::vector<std::string>& requests, std::size_t connections) {
  std::vector<Conn> conns(connections);
  std::size_t next = 0, done = 0;
  Result2 result;
  const auto start = Clock::now();
  auto issue = [&](Conn& conn) {
    if (next == requests.size()) return;
    if (conn.fd < 0) conn.fd = Connect(port);
    conn.out = requests[next++];
    conn.sent = 0;
    conn.in.clear();
    conn.busy = true;
    conn.started = Clock::now();
  };
  for (Conn& conn : conns) issue(conn);
  std::vector<pollfd> fds(connections);
  while (done < requests.size()) {
    for (std::size_t i = 0; i < connections; ++i) {
      fds[i] = {conns[i].busy ? conns[i].fd : -1,
                static_cast<short>(conns[i].sent < conns[i].out.size() ? POLLOUT : POLLIN), 0};
    }
    if (poll(fds.data(), fds.size(), 10000) <= 0) break;
    for (std::size_t i = 0; i < connections; ++i) {
      Conn& conn = conns[i];
      if (fds[i].revents == 0) continue;
      if (conn.sent < conn.out.size()) {
        const ssize_t n = write(conn.fd, conn.out.data() + conn.sent, conn.out.size() - conn.sent);
        if (n > 0) conn.sent += static_cast<std::size_t>(n);
        continue;
      }
      char buffer[16384];
      const ssize_t n = read(conn.fd, buffer, sizeof buffer);
      bool closes = n <= 0;
      int status = 0;
      if (n > 0) conn.in.append(buffer, static_cast<std::size_t>(n));
      std::optional<std::size_t> end = ResponseEnd(conn.in, closes, status);
      if (!end && n > 0) continue;
      ++done;
      if (!end || status != 202) ++result.failures;
      result.latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - conn.started).count());
      conn.busy = false;
      if (closes) {
        close(conn.fd);
        conn.fd = -1;
      }
      issue(conn);
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (Conn& conn : conns) {
    if (conn.fd >= 0) close(conn.fd);
  }
  return result;
}

void Answer(http::Response& response, const std::string& id, const std::string& verdict) {
  response.status = 202;
  response.SetContent(nlohmann::json{{"delivery", id}, {"verdict", verdict}}.dump() + "\n",
                      "application/json");
}

// The baseline route: what HookService::Handle does after authentication.
void Baseline(gateway::DeliveryStore& store, const http::Request& request,
              http::Response& response) {
  const std::string* id = request.fields->Find("x-github-delivery");
  const gateway::Request asked =
      gateway::ReadRequest(gateway::Provider::kGitHub, "push", request.body);
  gateway::Delivery d{.provider = "github", .delivery_id = id ? *id : ""};
  d.repository = asked.repository;
  d.ref = asked.ref;
  d.commit = asked.commit;
  d.component = "hello";
  d.body_sha256 = crypto::Sha256Hex(crypto::Sha256(AsBytes(request.body)));
  d.queue = true;
  d.verdict = "queued";
  auto recorded = store.Record(d, gateway::DeliveryRecord(d, "push", std::time(nullptr)));
  if (!recorded.ok()) {
    response.status = 503;
    return;
  }
  Answer(response, d.delivery_id, recorded->verdict);
}

http::ServerLimits Limits() {
  http::ServerLimits limits;  // as vigil-gateway's main sets them
  limits.max_body = gateway::kMaxDeliveryBytes;
  limits.worker_threads = 32;
  limits.gate.max_connections = 512;
  limits.gate.max_per_source = 128;
  return limits;
}

void Report(const char* name, Result2& r) {
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  auto at = [&r](double q) {
    return r.latencies_ms.empty() ? 0.0
                                  : r.latencies_ms[static_cast<std::size_t>(q * (r.count() - 1))];
  };
  std::printf("  %s: %.0f deliveries/s (%zu in %.2f s, p50 %.2f ms, p99 %.2f ms, %zu failed)\n",
              name, r.rate(), r.latencies_ms.size(), r.seconds, at(0.5), at(0.99), r.failures);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const auto value = ScanUnsigned(argv[i + 1], 1, 10'000'000);
    if (!value.ok()) return 2;
    if (flag == "--deliveries") options.deliveries = value.value;
    if (flag == "--connections") options.connections = value.value;
    if (flag == "--body-bytes") options.body_bytes = value.value;
  }
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-gateway-bench.");
  if (!temp.ok()) return 1;
  const fs::path dir = temp->path();
  (void)WriteFileAtomic(dir / "secret", AsBytes(kSecret), 0600);
  (void)WriteFileAtomic(dir / "gateway.toml",
                        AsBytes("[gateway]\nstate_dir = \"state\"\naudit_log = \"audit.jsonl\"\n"
                                "[secrets]\ngithub = \"secret\"\n[[repository]]\nprovider = "
                                "\"github\"\nname = \"example/hello\"\ncomponent = \"hello\"\n"));
  auto config = gateway::ReadGatewayConfig(dir / "gateway.toml");
  auto gateway = config.ok() ? gateway::Gateway::Create(std::move(*config))
                             : Result<std::unique_ptr<gateway::Gateway>>(config.error());
  auto baseline_store = gateway::DeliveryStore::Open(dir / "baseline.db");
  if (!gateway.ok() || !baseline_store.ok()) {
    std::fprintf(stderr, "gateway_bench: cannot set up\n");
    return 1;
  }
  http::Server ours(Limits()), plain(Limits());
  (*gateway)->AddRoutes(ours);
  plain.Post("/hooks/github", [&](const http::Request& request, http::Response& response) {
    Baseline(**baseline_store, request, response);
  });
  const int our_port = ours.Start("127.0.0.1", 0).value();
  const int plain_port = plain.Start("127.0.0.1", 0).value();
  std::printf("== webhook deliveries, %zu over %zu keep-alive connections, %zu-byte bodies\n",
              options.deliveries, options.connections, options.body_bytes);
  auto base = Load(plain_port, MakeRequests(options, "/hooks/github", "b-"), options.connections);
  auto mine = Load(our_port, MakeRequests(options, "/hooks/github", "g-"), options.connections);
  Report("baseline (no MAC; same parse, rows, store and durability)", base);
  Report("vigil-gateway (MAC, dedup, durable queue)", mine);
  const double ratio = mine.rate() / base.rate();
  std::printf("  ratio gateway/baseline: %.3f (goal >= 0.8: %s); absolute aim 5000/s: %s\n", ratio,
              ratio >= 0.8 ? "goal met" : "goal NOT met",
              mine.rate() >= 5000 ? "reached" : "not reached");
  ours.Stop();
  plain.Stop();
  return mine.failures == 0 && base.failures == 0 ? 0 : 1;
}
