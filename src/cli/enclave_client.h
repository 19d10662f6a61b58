// The host side of the QuorumOS protocol for `vigil quorum`: one request to an enclave, one
// answer back, either on the enclave's Unix socket (--usock) or through a host relay's
// POST /qos/message (--host-ip, --host-port: vigil-host, or QuorumOS's qos_host).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/result.h"
#include "quorum/protocol_msg.h"

namespace vigil::cli {

struct EnclaveAddress {
  std::string usock;
  std::string host_ip;
  int host_port = 0;
};

// --usock, or --host-ip with --host-port.
void AddEnclaveAddressOptions(CLI::App* command, EnclaveAddress& address);

// Sends `request` in `encoding` and returns the answer. A ProtocolErrorResponse is Failed,
// its message the error in QuorumOS's words ("NotShareSetMember: ..."); an enclave or host
// that cannot be reached is MissingEnv; an answer that is not a message is Failed.
Result<quorum::ProtocolMsg> Exchange(const EnclaveAddress& address,
                                     const quorum::ProtocolMsg& request,
                                     quorum::WireEncoding encoding = quorum::WireEncoding::kJson);

}  // namespace vigil::cli
