// The host side of the QuorumOS protocol for `vigil quorum`: one request to an enclave
// (vigil-enclave or QuorumOS's qos_core) on its Unix socket, one answer back.
#pragma once

#include <string>

#include "base/result.h"
#include "quorum/protocol_msg.h"

namespace vigil::cli {

// Sends `request` framed in `encoding` and returns the answer. A ProtocolErrorResponse is
// Failed, its message the error in QuorumOS's words ("NotShareSetMember: ..."); an enclave
// that cannot be reached is MissingEnv; an answer that is not a message is Failed.
Result<quorum::ProtocolMsg> Exchange(const std::string& socket_path,
                                     const quorum::ProtocolMsg& request,
                                     quorum::WireEncoding encoding = quorum::WireEncoding::kJson);

}  // namespace vigil::cli
