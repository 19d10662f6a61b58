#include "attestation/pcr_bank.h"

#include <algorithm>
#include <string>

namespace vigil::attestation {
namespace {

Status CheckIndex(int index) {
  if (index < 0 || index >= static_cast<int>(kPcrCount)) {
    return Error::BadInput("PCR index " + std::to_string(index) + " is not between 0 and 31");
  }
  return OkStatus();
}

}  // namespace

Result<PcrBank> PcrBank::WithBootMeasurements(const std::map<int, Bytes>& measured) {
  PcrBank bank;
  for (const auto& [index, value] : measured) {
    VIGIL_RETURN_IF_ERROR(CheckIndex(index));
    if (value.size() != sizeof(crypto::Sha384Digest)) {
      return Error::BadInput("PCR" + std::to_string(index) + " must be 48 bytes (SHA-384), not " +
                             std::to_string(value.size()));
    }
    PcrState& pcr = bank.pcrs_[static_cast<std::size_t>(index)];
    std::copy(value.begin(), value.end(), pcr.value.begin());
    pcr.locked = true;
  }
  return bank;
}

Result<crypto::Sha384Digest> PcrBank::Extend(int index, ByteView data) {
  VIGIL_RETURN_IF_ERROR(CheckIndex(index));
  if (data.size() > kMaxExtendBytes) {
    return Error::BadInput("ExtendPCR data of " + std::to_string(data.size()) +
                           " bytes is over the bound of " + std::to_string(kMaxExtendBytes));
  }
  PcrState& pcr = pcrs_[static_cast<std::size_t>(index)];
  if (pcr.locked) return Error::Failed("PCR" + std::to_string(index) + " is locked");
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha384);
  hasher.Update(pcr.value);
  hasher.Update(data);
  const Bytes digest = hasher.Finish();
  std::copy(digest.begin(), digest.end(), pcr.value.begin());
  return pcr.value;
}

Status PcrBank::Lock(int index) {
  VIGIL_RETURN_IF_ERROR(CheckIndex(index));
  pcrs_[static_cast<std::size_t>(index)].locked = true;
  return OkStatus();
}

Status PcrBank::LockRange(int range) {
  if (range < 0 || range > static_cast<int>(kPcrCount)) {
    return Error::BadInput("LockPCRs range " + std::to_string(range) + " is not between 0 and 32");
  }
  for (int i = 0; i < range; ++i) pcrs_[static_cast<std::size_t>(i)].locked = true;
  return OkStatus();
}

Result<PcrState> PcrBank::Describe(int index) const {
  VIGIL_RETURN_IF_ERROR(CheckIndex(index));
  return pcrs_[static_cast<std::size_t>(index)];
}

}  // namespace vigil::attestation
