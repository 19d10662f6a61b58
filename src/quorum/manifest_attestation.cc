#include "quorum/manifest_attestation.h"

#include <string>

#include "attestation/tpm_document.h"
#include "base/hex.h"
#include "quorum/approvals.h"

namespace vigil::quorum {

Result<attestation::AttestationDocument> VerifyAgainstManifest(ByteView document,
                                                               const Manifest& manifest,
                                                               ManifestPhase phase,
                                                               attestation::VerifyOptions options) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, ManifestHash(manifest));
  return VerifyAgainstManifestHash(document, manifest, hash, phase, std::move(options));
}

namespace {

// A TPM enclave's manifest (docs/SPEC-tpm.md, "Manifests for TPM enclaves"): pcr0 is PCR4
// (the kernel as OVMF loaded it), pcr1 PCR9 (the command line and the initrd), pcr2 the
// platform (SHA-256 of PCRs 0-3 and 5-7 in index order), pcr3 PCR8.
Bytes TpmPlatformDigest(const attestation::AttestationDocument& doc) {
  Bytes values;
  for (int index : {0, 1, 2, 3, 5, 6, 7}) {
    const Bytes& value = doc.pcrs.at(index);
    values.insert(values.end(), value.begin(), value.end());
  }
  const crypto::Sha256Digest digest = crypto::Sha256(values);
  return Bytes(digest.begin(), digest.end());
}

Status CheckTpmCommitments(const attestation::AttestationDocument& doc, const Manifest& manifest,
                           const crypto::Sha256Digest& hash, ManifestPhase phase) {
  if (TpmPlatformDigest(doc) != manifest.enclave.pcr2) {
    return Error::Failed(
        "platform: PCRs 0-3 and 5-7 (OVMF, its variables and QEMU's options) digest to " +
        HexEncode(TpmPlatformDigest(doc)) + ", the manifest's pcr2 is " +
        HexEncode(manifest.enclave.pcr2));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes commitment, ManifestCommitment(phase, hash, *doc.public_key));
  const int index = TpmCommitmentPcrIndex(phase);
  if (doc.pcrs.at(index) != TpmManifestPcr(commitment)) {
    return Error::Failed("pcr" + std::to_string(index) + ": PCR" + std::to_string(index) +
                         " is not exactly one extend of the " +
                         (phase == ManifestPhase::kSetup ? "setup" : "live") +
                         " commitment to this manifest and the document's key");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes manifest_only, ManifestOnlyCommitment(hash));
  if (doc.pcrs.at(kTpmManifestOnlyPcrIndex) != TpmManifestPcr(manifest_only)) {
    return Error::Failed(
        "pcr15: PCR15 is not exactly one extend of Vigil's commitment to this manifest alone");
  }
  return OkStatus();
}

Status CheckNsmCommitments(const attestation::AttestationDocument& doc,
                           const crypto::Sha256Digest& hash, ManifestPhase phase) {
  for (int i = 0; i < 32; ++i) {
    if (!doc.pcrs.contains(i)) {
      return Error::Failed("pcr" + std::to_string(i) + ": the document lacks PCR" +
                           std::to_string(i));
    }
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes commitment, ManifestCommitment(phase, hash, *doc.public_key));
  const int index = ManifestCommitmentPcrIndex(phase);
  if (doc.pcrs.at(index) != ManifestPcr(commitment)) {
    return Error::Failed("pcr" + std::to_string(index) + ": PCR" + std::to_string(index) +
                         " is not the " + (phase == ManifestPhase::kSetup ? "setup" : "live") +
                         " commitment to this manifest and the document's key");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes manifest_only, ManifestOnlyCommitment(hash));
  if (doc.pcrs.at(kManifestOnlyPcrIndex) != ManifestPcr(manifest_only)) {
    return Error::Failed("pcr18: PCR18 is not Vigil's commitment to this manifest alone");
  }
  return OkStatus();
}

}  // namespace

Result<attestation::AttestationDocument> VerifyAgainstManifestHash(
    ByteView document, const Manifest& manifest, const crypto::Sha256Digest& hash,
    ManifestPhase phase, attestation::VerifyOptions options) {
  // The caller's nonce when it asked with one (Vigil's variant 24); otherwise none, as
  // QuorumOS's documents carry.
  const std::optional<Bytes> nonce = options.expect.nonce;
  options.expect = {};
  options.expect.user_data = Bytes(hash.begin(), hash.end());
  options.expect.nonce = nonce;
  options.expect.no_nonce = !nonce.has_value();
  const bool tpm = attestation::LooksLikeTpmDocument(document);
  const Bytes* pcrs[] = {&manifest.enclave.pcr0, &manifest.enclave.pcr1, &manifest.enclave.pcr2,
                         &manifest.enclave.pcr3};
  const int tpm_index[] = {4, 9, -1, 8};  // pcr2, the platform, is checked below
  for (int i = 0; i < 4; ++i) {
    if (!tpm) options.expect.pcrs[i] = *pcrs[i];
    if (tpm && tpm_index[i] >= 0) options.expect.pcrs[tpm_index[i]] = *pcrs[i];
  }
  VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument doc,
                         attestation::VerifyDocument(document, options));
  if (!doc.public_key) return Error::Failed("public_key: the document carries no ephemeral key");
  if (tpm) {
    VIGIL_RETURN_IF_ERROR(CheckTpmCommitments(doc, manifest, hash, phase));
  } else {
    VIGIL_RETURN_IF_ERROR(CheckNsmCommitments(doc, hash, phase));
  }
  return doc;
}

}  // namespace vigil::quorum
