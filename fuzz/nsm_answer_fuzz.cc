// libFuzzer target: arbitrary bytes as the NSM's answer (attestation/nsm_device.h): the
// small CBOR reader and each request's answer check must refuse or accept without harm.
#include <cstddef>
#include <cstdint>

#include "attestation/cbor_value.h"
#include "attestation/nsm_device.h"

namespace attestation = vigil::attestation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::Bytes answer(data, data + size);
  (void)attestation::ReadCbor(answer);
  attestation::NsmDevice nsm(
      [&answer](vigil::ByteView) -> vigil::Result<vigil::Bytes> { return answer; });
  (void)nsm.Describe();
  (void)nsm.DescribePcr(16);
  (void)nsm.ExtendPcr(16, vigil::AsBytes("x"));
  (void)nsm.LockPcrs(32);
  (void)nsm.Attest({});
  return 0;
}
