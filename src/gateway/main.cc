// vigil-gateway: receives code hosts' webhooks (docs/SPEC-gateway.md).
//
//   vigil-gateway --config GATEWAY.toml
// Prints the port it listens on, then serves until SIGTERM or SIGINT.
#include <cstdio>
#include <string>
#include <string_view>

#include "base/signal_block.h"
#include "gateway/gateway.h"
#include "gateway/gateway_config.h"
#include "http/server.h"

namespace {

using namespace vigil;  // NOLINT: a binary's entry point

Status Run(int argc, char** argv) {
  BlockStopSignals();  // before the server's and the dispatcher's threads
  if (argc != 3 || std::string_view(argv[1]) != "--config") {
    return Error::BadInput("usage: vigil-gateway --config GATEWAY.toml");
  }
  VIGIL_ASSIGN_OR_RETURN(gateway::GatewayConfig config, gateway::ReadGatewayConfig(argv[2]));
  const std::string host = config.listen_host;
  const int port = config.listen_port;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<gateway::Gateway> gateway,
                         gateway::Gateway::Create(std::move(config)));
  http::ServerLimits limits;
  limits.max_body = gateway::kMaxDeliveryBytes;
  limits.body_timeout = std::chrono::seconds(30);
  // Handlers wait for their delivery's group commit: more of them, more rows per fsync.
  limits.worker_threads = 32;
  // A code host delivers from a few addresses, many at once (GitHub: up to its timeout).
  limits.gate.max_connections = 512;
  limits.gate.max_per_source = 128;
  http::Server server(limits);
  gateway->AddRoutes(server);
  VIGIL_RETURN_IF_ERROR(gateway->StartServices());
  VIGIL_ASSIGN_OR_RETURN(int bound, server.Start(host, port));
  std::fprintf(stderr, "vigil-gateway: listening on http://%s:%d/hooks/\n", host.c_str(), bound);
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
  std::fprintf(stderr, "vigil-gateway: %s\n", status.error().message().c_str());
  return status.error().exit_code();
}
