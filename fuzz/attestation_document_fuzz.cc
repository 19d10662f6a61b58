// libFuzzer target: attestation documents (COSE_Sign1 around a CBOR payload) from arbitrary
// bytes, read as a whole document and as a bare payload. A payload that is accepted must
// encode again and read back as the same value.
#include <cstddef>
#include <cstdint>

#include "attestation/document_reader.h"
#include "attestation/document_writer.h"

namespace attestation = vigil::attestation;

namespace {

void RoundTrip(vigil::ByteView payload) {
  auto doc = attestation::ReadPayload(payload);
  if (!doc.ok()) return;
  auto again = attestation::ReadPayload(attestation::EncodePayload(*doc));
  if (!again.ok() || !(*again == *doc)) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  if (auto cose = attestation::ReadCoseSign1(bytes); cose.ok()) {
    if (cose->signature.size() != 96) __builtin_trap();
    RoundTrip(cose->payload);
  }
  RoundTrip(bytes);
  return 0;
}
