// A refusal in QuorumOS's words: an Error whose message starts with the ProtocolError's
// name ("LowNonce: expected 3, actual 2"), which the processor turns back into that
// ProtocolError on the wire.
#pragma once

#include <string>

#include "base/result.h"
#include "quorum/protocol_error.h"

namespace vigil::enclave {

inline Error Refuse(quorum::ProtocolErrorKind kind, const std::string& detail = {}) {
  return Error::Failed(std::string(quorum::ProtocolErrorName(kind)) +
                       (detail.empty() ? "" : ": " + detail));
}

// The ProtocolError an error names, with the details its shape carries ("Name: TEXT",
// "Name: expected X, actual Y", "P256Error: Variant"); an error that names none is
// `fallback` with the whole message as its text.
quorum::ProtocolError ToProtocolError(const Error& error, quorum::ProtocolErrorKind fallback);

}  // namespace vigil::enclave
