#include "quorum/reshard_attestation.h"

#include "quorum/manifest_commitment.h"

namespace vigil::quorum {

Result<ReshardOutput> VerifyReshardOutput(ByteView output_borsh, ByteView document,
                                          const ReshardManifest& reshard,
                                          attestation::VerifyOptions options) {
  VIGIL_ASSIGN_OR_RETURN(ReshardOutput output, DecodeReshardOutputBorsh(output_borsh));
  VIGIL_RETURN_IF_ERROR(CheckReshardOutput(output, reshard));
  const crypto::Sha256Digest hash = crypto::Sha256(output_borsh);
  options.expect = {};
  options.expect.user_data = Bytes(hash.begin(), hash.end());
  options.expect.no_nonce = true;
  const NitroConfig& enclave = reshard.manifest.enclave;
  options.expect.pcrs[0] = enclave.pcr0;
  options.expect.pcrs[1] = enclave.pcr1;
  options.expect.pcrs[2] = enclave.pcr2;
  options.expect.pcrs[3] = enclave.pcr3;
  VIGIL_ASSIGN_OR_RETURN(Bytes commitment, ManifestOnlyCommitment(output.reshard_hash));
  options.expect.pcrs[kManifestOnlyPcrIndex] = ManifestPcr(commitment);
  Result<attestation::AttestationDocument> doc = attestation::VerifyDocument(document, options);
  if (!doc.ok()) return doc.error().WithContext("the reshard output's attestation");
  if (doc->public_key) {
    return Error::Failed("public_key: the reshard output's attestation carries a public key");
  }
  return output;
}

}  // namespace vigil::quorum
