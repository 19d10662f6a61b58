// The firmware's TPM 2.0 event log in the TCG PC Client "crypto agile" format (TCG PC Client
// Platform Firmware Profile, section 10): a TCG_PCR_EVENT header whose Spec ID event lists
// the banks' digest sizes, then TCG_PCR_EVENT2 records, each with one digest per bank. Linux
// publishes it as /sys/kernel/security/tpm0/binary_bios_measurements. Read strictly (sizes
// bounded and checked against the log before use); only the SHA-256 bank is replayed.
// Spec: docs/SPEC-tpm.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::attestation {

inline constexpr std::size_t kTpmPcrCount = 24;
inline constexpr std::size_t kMaxEventLogBytes = 1 << 20;
inline constexpr std::size_t kMaxEventBytes = 64 * 1024;

// Event types this code names (TCG PC Client PFP, table 9); others print as hex.
inline constexpr std::uint32_t kEvPostCode = 0x1;
inline constexpr std::uint32_t kEvNoAction = 0x3;
inline constexpr std::uint32_t kEvSeparator = 0x4;
inline constexpr std::uint32_t kEvAction = 0x5;
inline constexpr std::uint32_t kEvEventTag = 0x6;
inline constexpr std::uint32_t kEvEfiBootServicesApplication = 0x80000003;
inline constexpr std::uint32_t kEvEfiAction = 0x80000007;

struct TpmEvent {
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  std::optional<crypto::Sha256Digest> sha256;  // absent when the log has no SHA-256 bank
  Bytes data;
};

struct TpmEventLog {
  std::vector<TpmEvent> events;  // the TCG_PCR_EVENT2 records, in order
};

// BadInput naming the offset and what is wrong: not crypto agile, no SHA-256 bank, a digest
// count or size that disagrees with the Spec ID event, a PCR index over 23, a record cut
// short, more than kMaxEventLogBytes.
Result<TpmEventLog> ParseTpmEventLog(ByteView log);

using TpmPcrValues = std::array<crypto::Sha256Digest, kTpmPcrCount>;

// The SHA-256 PCR values the log's events extend from zero (EV_NO_ACTION events extend
// nothing; PCR 0 starts from the locality a StartupLocality event names, else zero).
TpmPcrValues ReplayTpmEventLog(const TpmEventLog& log);

// "EV_SEPARATOR", "EV_EFI_BOOT_SERVICES_APPLICATION", ... or "0x...".
std::string TpmEventTypeName(std::uint32_t type);

}  // namespace vigil::attestation
