// vigil-host: QuorumOS's qos_host, an HTTP relay in front of an enclave's channel.
//
//   vigil-host --usock ENCLAVE_SOCKET [--host-ip ADDR] [--host-port PORT]
#include <cstdio>
#include <string>
#include <string_view>

#include "base/signal_block.h"
#include "base/strict_number.h"
#include "host/relay.h"
#include "http/server.h"

namespace {

using namespace vigil;  // NOLINT: a binary's entry point

constexpr char kUsage[] =
    "usage: vigil-host --usock ENCLAVE_SOCKET [--host-ip ADDR] [--host-port PORT]\n";

Status Run(int argc, char** argv) {
  BlockStopSignals();  // before the server's threads
  std::string usock, ip = "127.0.0.1", port_text = "3000";
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Error::BadInput(std::string(flag) + " needs a value\n" + kUsage);
    std::string* target = flag == "--usock"       ? &usock
                          : flag == "--host-ip"   ? &ip
                          : flag == "--host-port" ? &port_text
                                                  : nullptr;
    if (target == nullptr) {
      return Error::BadInput("unknown option " + std::string(flag) + "\n" + kUsage);
    }
    *target = argv[++i];
  }
  if (usock.empty()) return Error::BadInput(std::string("--usock is required\n") + kUsage);
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t port, ParseUnsigned(port_text, "--host-port", 0, 65535));
  http::ServerLimits limits;
  limits.max_body = host::kMaxMessageBytes;
  limits.body_timeout = std::chrono::seconds(60);
  http::Server server(limits);
  host::AddRelayRoutes(server, {.enclave_socket = usock});
  VIGIL_ASSIGN_OR_RETURN(int bound, server.Start(ip, static_cast<int>(port)));
  std::fprintf(stderr, "vigil-host: relaying http://%s:%d/qos/ to the enclave at %s\n", ip.c_str(),
               bound, usock.c_str());
  std::printf("%d\n", bound);
  std::fflush(stdout);
  WaitForStopSignal();
  server.Stop();
  return OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Status status = Run(argc, argv);
  if (status.ok()) return 0;
  std::fprintf(stderr, "vigil-host: %s\n", status.error().message().c_str());
  return status.error().exit_code();
}
