// vigil-enclave's attestation by a TPM 2.0 (a vTPM confidential VM; swtpm under QEMU):
// documents are Vigil's TPM documents (tpm_document.h), quotes by an attestation key the
// TPM derives under its endorsement hierarchy; the boot standard's commitments go into the
// SHA-256 PCRs 12, 14 and 15, which nothing in the boot path measures. A TPM has no NSM
// API: Describe, DescribePcr, ExtendPcr and the locks are refused, and the enclave reaches
// the TPM's own operations through tpm(). Spec: docs/SPEC-tpm.md.
#pragma once

#include <memory>
#include <string>

#include "attestation/provider.h"
#include "attestation/tpm2_client.h"
#include "crypto/secret.h"

namespace vigil::attestation {

inline constexpr std::string_view kTpmDevice = "/dev/tpmrm0";
inline constexpr std::string_view kTpmEventLog =
    "/sys/kernel/security/tpm0/binary_bios_measurements";

class TpmProvider : public AttestationProvider {
 public:
  // Makes the attestation key and reads the EK certificate; the event log is read for each
  // document.
  static Result<std::unique_ptr<TpmProvider>> Open(Tpm2Client client, std::string event_log);
  ~TpmProvider() override;

  std::string_view name() const override { return "tpm"; }
  TpmProvider* tpm() override { return this; }
  Result<NsmDescription> Describe() override;
  Result<PcrState> DescribePcr(int index) override;
  Result<crypto::Sha384Digest> ExtendPcr(int index, ByteView data) override;
  Status LockPcr(int index) override;
  Status LockPcrs(int range) override;
  // A TPM document quoting TpmQuotedPcrs() with TpmQualifyingData(request).
  Result<Bytes> Attest(const AttestationRequest& request) override;

  Result<crypto::Sha256Digest> ReadPcr(int index);
  Status ExtendPcr256(int index, const crypto::Sha256Digest& digest);
  // The secret of a verifier's credential for this attestation key (tpm2_credential.h).
  Result<crypto::SecretBytes> ActivateCredential(ByteView id_object, ByteView encrypted_secret);

 private:
  TpmProvider(Tpm2Client client, std::string event_log)
      : client_(std::move(client)), event_log_(std::move(event_log)) {}
  Tpm2Client client_;
  std::string event_log_;
  Tpm2Key ak_;
  Bytes ek_certificate_;
  std::string module_id_;
};

}  // namespace vigil::attestation
