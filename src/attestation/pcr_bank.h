// The Nitro Secure Module's platform configuration registers, as the mock NSM keeps them
// (QuorumOS mock.rs, AWS's NSM API): 32 SHA-384 registers that start at zero, can only be
// extended (value = SHA-384(value || data)) until they are locked, and stay locked.
#pragma once

#include <array>
#include <cstddef>
#include <map>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::attestation {

inline constexpr std::size_t kPcrCount = 32;
// Largest piece of data one ExtendPCR takes.
inline constexpr std::size_t kMaxExtendBytes = 64 * 1024;

struct PcrState {
  bool locked = false;
  crypto::Sha384Digest value{};
};

class PcrBank {
 public:
  PcrBank() = default;
  // A bank whose registers in `measured` hold those values and are locked, as the
  // hypervisor leaves PCR0-2 of an enclave (the mock takes them from the EIF's .pcrs).
  static Result<PcrBank> WithBootMeasurements(const std::map<int, Bytes>& measured);

  // BadInput for an index of 32 or more; Failed ("locked") for a locked register.
  Result<crypto::Sha384Digest> Extend(int index, ByteView data);
  Status Lock(int index);
  // Locks registers 0 .. range-1 (QuorumOS's LockPCRs{range}).
  Status LockRange(int range);
  Result<PcrState> Describe(int index) const;

 private:
  std::array<PcrState, kPcrCount> pcrs_{};
};

}  // namespace vigil::attestation
