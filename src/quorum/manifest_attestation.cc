#include "quorum/manifest_attestation.h"

#include <string>

#include "quorum/approvals.h"

namespace vigil::quorum {

Result<attestation::AttestationDocument> VerifyAgainstManifest(ByteView document,
                                                               const Manifest& manifest,
                                                               ManifestPhase phase,
                                                               attestation::VerifyOptions options) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, ManifestHash(manifest));
  return VerifyAgainstManifestHash(document, manifest, hash, phase, std::move(options));
}

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
  const Bytes* pcrs[] = {&manifest.enclave.pcr0, &manifest.enclave.pcr1, &manifest.enclave.pcr2,
                         &manifest.enclave.pcr3};
  for (int i = 0; i < 4; ++i) options.expect.pcrs[i] = *pcrs[i];
  VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument doc,
                         attestation::VerifyDocument(document, options));
  for (int i = 0; i < 32; ++i) {
    if (!doc.pcrs.contains(i)) {
      return Error::Failed("pcr" + std::to_string(i) + ": the document lacks PCR" +
                           std::to_string(i));
    }
  }
  if (!doc.public_key) return Error::Failed("public_key: the document carries no ephemeral key");
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
  return doc;
}

}  // namespace vigil::quorum
