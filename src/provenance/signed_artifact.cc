#include "provenance/signed_artifact.h"

#include <algorithm>

#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::provenance {

Result<VerifiedArtifact> VerifySignedArtifact(
    const DsseEnvelope& envelope, std::string_view envelope_text, const crypto::PublicKey& key,
    const std::function<Result<crypto::Sha256Digest>()>& hash_artifact,
    const std::string& artifact_name) {
  VIGIL_RETURN_IF_ERROR(VerifyEnvelope(envelope, key));
  if (envelope.payload_type != kInTotoPayloadType) {
    return Error::Failed("the envelope's payload type is '" + envelope.payload_type +
                         "', not an in-toto statement");
  }
  VerifiedArtifact out;
  SignedArtifact& artifact = out.artifact;
  VIGIL_ASSIGN_OR_RETURN(artifact.statement, ParseStatement(envelope.payload));
  VIGIL_ASSIGN_OR_RETURN(artifact.sha256, hash_artifact());
  const auto& subjects = artifact.statement.subjects;
  auto subject = std::find_if(subjects.begin(), subjects.end(),
                              [&](const auto& s) { return s.sha256 == artifact.sha256; });
  if (subject == subjects.end()) {
    return Error::Failed(artifact_name + " (sha256 " + crypto::Sha256Hex(artifact.sha256) +
                         ") is not a subject of the envelope: it is not the artifact that was "
                         "signed");
  }
  out.subject = subject->name;
  artifact.key_id = key.KeyId();
  artifact.envelope_sha256 = HexEncode(crypto::Sha256(AsBytes(envelope_text)));
  // The same envelope in the signer's encoding, to tell a re-encoded envelope apart.
  artifact.canonical_sha256 = HexEncode(crypto::Sha256(AsBytes(SerializeEnvelope(envelope))));
  return out;
}

}  // namespace vigil::provenance
