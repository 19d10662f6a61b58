// A refusal in QuorumOS's words: an Error whose message starts with the ProtocolError's
// name, which the processor turns back into that ProtocolError on the wire.
#pragma once

#include <string>

#include "base/result.h"
#include "quorum/protocol_error.h"

namespace vigil::enclave {

inline Error Refuse(quorum::ProtocolErrorKind kind, const std::string& detail = {}) {
  return Error::Failed(std::string(quorum::ProtocolErrorName(kind)) +
                       (detail.empty() ? "" : ": " + detail));
}

}  // namespace vigil::enclave
