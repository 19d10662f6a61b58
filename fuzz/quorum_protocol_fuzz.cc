// libFuzzer target: QuorumOS protocol messages from arbitrary bytes, as the enclave receives
// them (JSON first, then Borsh). A message that decodes must encode in the same encoding and
// decode again to the same value.
#include <cstddef>
#include <cstdint>

#include "quorum/protocol_msg.h"

namespace quorum = vigil::quorum;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = quorum::DecodeWire(vigil::ByteView(data, size));
  if (!decoded.ok()) return 0;
  auto bytes = quorum::EncodeWire(decoded->msg, decoded->encoding);
  if (!bytes.ok()) __builtin_trap();
  auto again = quorum::DecodeWire(*bytes);
  if (!again.ok() || !(again->msg == decoded->msg) || again->encoding != decoded->encoding) {
    __builtin_trap();
  }
  return 0;
}
