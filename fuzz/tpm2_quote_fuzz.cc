// libFuzzer target: TPM 2.0 quotes, attestation-key public areas and signatures from
// arbitrary bytes. Nothing accepted may claim more than it holds.
#include <cstddef>
#include <cstdint>

#include "attestation/tpm2_quote.h"

namespace attestation = vigil::attestation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  if (auto quote = attestation::ParseTpm2Quote(bytes); quote.ok()) {
    if (quote->pcr_digest.size() != 32 || quote->extra_data.size() > size) __builtin_trap();
    for (int pcr : quote->pcrs) {
      if (pcr < 0 || pcr >= 32) __builtin_trap();
    }
  }
  if (auto key = attestation::ParseTpm2AttestationKey(bytes); key.ok()) {
    if (key->point.size() != 65 || key->name.size() != 34) __builtin_trap();
    (void)attestation::VerifyTpm2Signature(*key, bytes, bytes);
  }
  return 0;
}
