// Private to quorum/protocol_*.cc: one encoder per wire encoding.
#pragma once

#include <string>

#include "base/result.h"
#include "quorum/protocol_msg.h"

namespace vigil::quorum {

Result<Bytes> EncodeBorshMsg(const ProtocolMsg& msg);
Result<std::string> EncodeJsonMsg(const ProtocolMsg& msg);

}  // namespace vigil::quorum
