// A plain program: POST /qos/message status round trips per second through vigil-host to
// vigil-enclave, against the same relay in front of a plain framed echo on a Unix socket,
// and (for information) the echo reached directly. scripts/bench starts the enclave, the
// echo (this program with --serve-echo, a process of its own like the enclave) and the two
// relays; then this program measures.
//
//   host_bench --serve-echo PATH
//   host_bench --enclave-port P --echo-port P --echo-socket PATH [--seconds S]
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/strict_number.h"
#include "base/unique_fd.h"
#include "http/client.h"
#include "quorum/channel.h"
#include "quorum/frame.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;

const std::string kStatus = "\"statusRequest\"";

// Answers every frame with itself, one connection at a time.
void ServeEcho(int listener) {
  while (true) {
    UniqueFd conn(accept(listener, nullptr, nullptr));
    if (conn.get() < 0) return;
    quorum::FrameReader frames;
    char buffer[65536];
    ssize_t n;
    while ((n = read(conn.get(), buffer, sizeof buffer)) > 0) {
      if (!frames
               .Feed(ByteView(reinterpret_cast<std::uint8_t*>(buffer), static_cast<std::size_t>(n)))
               .ok()) {
        break;
      }
      while (std::optional<Bytes> message = frames.Next()) {
        Bytes frame = quorum::EncodeFrame(*message).value();
        if (write(conn.get(), frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
          return;
        }
      }
    }
  }
}

template <typename Call>
double PerSecond(double seconds, Call call) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  long count = 0;
  while (Clock::now() < end) {
    if (!call()) {
      std::fprintf(stderr, "host_bench: a round trip failed\n");
      return 0;
    }
    ++count;
  }
  return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - start).count();
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values.empty() ? 0 : values[values.size() / 2];
}

bool ThroughRelay(int port) {
  Result<http::Reply> reply = http::Post(http::Url{.host = "127.0.0.1", .port = port},
                                         "/qos/message", AsBytes(kStatus), {});
  return reply.ok() && reply->status == 200 && !reply->body.empty();
}

int ServeEchoOn(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), std::min(path.size(), sizeof address.sun_path - 1));
  unlink(path.c_str());
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 8) != 0) {
    std::perror("host_bench: echo socket");
    return 1;
  }
  ServeEcho(listener);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--serve-echo") return ServeEchoOn(argv[2]);
  int enclave_port = 0, echo_port = 0;
  double seconds = 3;
  std::string echo_socket;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--enclave-port")
      enclave_port = static_cast<int>(ScanUnsigned(value, 1, 65535).value);
    if (flag == "--echo-port") echo_port = static_cast<int>(ScanUnsigned(value, 1, 65535).value);
    if (flag == "--echo-socket") echo_socket = value;
    if (flag == "--seconds") seconds = static_cast<double>(ScanUnsigned(value, 1, 600).value);
  }
  if (enclave_port == 0 || echo_port == 0 || echo_socket.empty()) {
    std::fprintf(stderr, "usage: host_bench --enclave-port P --echo-port P --echo-socket PATH\n");
    return 2;
  }
  PerSecond(0.3, [&] { return ThroughRelay(enclave_port) && ThroughRelay(echo_port); });  // warm
  // Alternating one-second rounds, the median of each side: load that drifts during the run
  // (the other core is shared) falls on both alike.
  std::vector<double> enclave, echo, raw;
  for (int round = 0; round < static_cast<int>(seconds); ++round) {
    enclave.push_back(PerSecond(1, [&] { return ThroughRelay(enclave_port); }));
    echo.push_back(PerSecond(1, [&] { return ThroughRelay(echo_port); }));
    raw.push_back(
        PerSecond(0.2, [&] { return quorum::ExchangeFrames(echo_socket, AsBytes(kStatus)).ok(); }));
  }
  std::printf("enclave %.0f\necho %.0f\nraw-echo %.0f\n", Median(enclave), Median(echo),
              Median(raw));
  return 0;
}
