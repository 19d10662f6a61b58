// vigil-host: the HTTP relay QuorumOS's qos_host is (docs/SPEC-enclave.md, "The host"), in
// front of an enclave's channel:
//   GET  /qos/host-health    200 "Ok!"
//   GET  /qos/enclave-health StatusRequest: 200 when the quorum key is provisioned (or
//                            genesis booted), 503 otherwise; the body is the phase
//   POST /qos/message        the body, framed, to the enclave; its answer back, 200; an
//                            enclave that cannot be reached: 500 and a JSON
//                            ProtocolErrorResponse(EnclaveClient)
//   GET  /qos/enclave-info   {"phase", "manifestEnvelope" or null, "ephemeralKey" or null}
//   GET  /healthz            200 "ok" (the relay itself is up)
#pragma once

#include <string>

#include "http/server.h"
#include "quorum/channel.h"

namespace vigil::host {

struct RelayConfig {
  std::string enclave_socket;  // the enclave's channel (Unix socket)
  quorum::ChannelLimits channel;
};

// Adds the routes to `server`, whose limits must allow message bodies (max_body).
void AddRelayRoutes(http::Server& server, const RelayConfig& config);

// QuorumOS's body bound for /qos/message: 256 MiB in qos_host; Vigil's frame bound, 128 MiB,
// is the most an enclave takes anyway.
inline constexpr std::size_t kMaxMessageBytes = 128u << 20;

}  // namespace vigil::host
