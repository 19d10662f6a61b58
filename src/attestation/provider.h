// Where an enclave's measurements and attestation documents come from: the Nitro Secure
// Module (/dev/nsm) on Nitro, the mock NSM under QEMU. The operations are the NSM API's
// (AWS's nsm-api, QuorumOS's NsmRequest), so the enclave's logic is the same on both. A TPM
// 2.0 on vTPM VMs (tpm_provider.h) attests through the same Attest() and offers its own
// operations through tpm().
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "attestation/pcr_bank.h"
#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::attestation {

class TpmProvider;

struct NsmDescription {
  std::uint16_t version_major = 0;
  std::uint16_t version_minor = 0;
  std::uint16_t version_patch = 0;
  std::string module_id;
  std::uint16_t max_pcrs = 0;
  std::set<std::uint16_t> locked_pcrs;
  std::string digest;  // "SHA384"
};

// What an attestation document commits to besides the PCRs; each is optional.
struct AttestationRequest {
  std::optional<Bytes> user_data;   // at most 512 bytes
  std::optional<Bytes> nonce;       // at most 512 bytes
  std::optional<Bytes> public_key;  // at most 1024 bytes
};

class AttestationProvider {
 public:
  virtual ~AttestationProvider() = default;

  // "nsm", "mock-nsm" or "tpm", for logs and errors.
  virtual std::string_view name() const = 0;
  // The TPM's own operations when this is one (tpm_provider.h), else null.
  virtual TpmProvider* tpm() { return nullptr; }
  virtual Result<NsmDescription> Describe() = 0;
  virtual Result<PcrState> DescribePcr(int index) = 0;
  virtual Result<crypto::Sha384Digest> ExtendPcr(int index, ByteView data) = 0;
  virtual Status LockPcr(int index) = 0;
  // Locks PCRs 0 .. range-1.
  virtual Status LockPcrs(int range) = 0;
  // A signed document (COSE_Sign1) over the current PCRs and `request`.
  virtual Result<Bytes> Attest(const AttestationRequest& request) = 0;
};

}  // namespace vigil::attestation
