// For tests: crypto-agile TPM event logs (SHA-1 and SHA-256 banks, as OVMF writes them)
// built event by event, each digest one byte repeated.
#pragma once

#include <cstring>

#include "attestation/tpm_event_log.h"
#include "base/bytes.h"
#include "crypto/hash.h"

namespace vigil::attestation::testing {

inline void Le(Bytes& out, std::uint32_t value, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// The TCG_PCR_EVENT header with its Spec ID event.
inline Bytes EventLogHeader(bool with_sha256 = true) {
  Bytes spec(16);
  std::memcpy(spec.data(), "Spec ID Event03", 16);
  Le(spec, 0, 4);  // platform class
  spec.insert(spec.end(), {0, 2, 0, 2});
  Le(spec, with_sha256 ? 2 : 1, 4);
  Le(spec, 0x0004, 2);
  Le(spec, 20, 2);
  if (with_sha256) {
    Le(spec, 0x000b, 2);
    Le(spec, 32, 2);
  }
  spec.push_back(0);  // no vendor info
  Bytes log;
  Le(log, 0, 4);
  Le(log, kEvNoAction, 4);
  log.insert(log.end(), 20, 0);
  Le(log, static_cast<std::uint32_t>(spec.size()), 4);
  log.insert(log.end(), spec.begin(), spec.end());
  return log;
}

// One TCG_PCR_EVENT2 whose SHA-1 and SHA-256 digests are `fill` repeated.
inline void AppendEvent(Bytes& log, std::uint32_t pcr, std::uint32_t type, std::uint8_t fill,
                        const Bytes& data) {
  Le(log, pcr, 4);
  Le(log, type, 4);
  Le(log, 2, 4);
  Le(log, 0x0004, 2);
  log.insert(log.end(), 20, fill);
  Le(log, 0x000b, 2);
  log.insert(log.end(), 32, fill);
  Le(log, static_cast<std::uint32_t>(data.size()), 4);
  log.insert(log.end(), data.begin(), data.end());
}

// The SHA-256 digest AppendEvent records for `fill`.
inline crypto::Sha256Digest FilledDigest(std::uint8_t fill) {
  crypto::Sha256Digest digest;
  digest.fill(fill);
  return digest;
}

}  // namespace vigil::attestation::testing
