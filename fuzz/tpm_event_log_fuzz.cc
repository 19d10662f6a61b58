// libFuzzer target: TPM 2.0 event logs (crypto-agile, as firmware writes them) from
// arbitrary bytes. A log that is read replays without touching a PCR index out of range.
#include <cstddef>
#include <cstdint>

#include "attestation/tpm_event_log.h"

namespace attestation = vigil::attestation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto log = attestation::ParseTpmEventLog(vigil::ByteView(data, size));
  if (!log.ok()) return 0;
  for (const attestation::TpmEvent& event : log->events) {
    if (event.pcr >= attestation::kTpmPcrCount || event.data.size() > size) __builtin_trap();
  }
  (void)attestation::ReplayTpmEventLog(*log);
  return 0;
}
