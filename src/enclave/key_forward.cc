// Key forwarding (QuorumOS services/key.rs): an enclave that holds the quorum key (the old
// one) hands it to a new enclave booted with BootKeyForwardRequest, after checking the new
// enclave's setup attestation and its manifest; the new enclave checks the key's signature
// and that it is its manifest's quorum key, then starts its pivot.
#include <string>

#include "attestation/document_reader.h"
#include "attestation/document_verifier.h"
#include "attestation/mock_pki.h"
#include "crypto/envelope.h"
#include "enclave/processor.h"
#include "enclave/refusal.h"
#include "quorum/forward_check.h"
#include "quorum/manifest_attestation.h"

namespace vigil::enclave {
namespace {

using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;

constexpr std::size_t kSeedSize = 32;

}  // namespace

// The trust this enclave's own provider implies: the mock's root under the mock NSM, AWS's
// on Nitro; and "now" is the time in a fresh document from that provider, not a clock the
// host could set.
Result<attestation::VerifyOptions> EnclaveProcessor::OwnTrust() {
  if (nsm_->tpm() != nullptr) {
    // A TPM's attestation key is bound to its EK only by an activation the verifier runs
    // with the other enclave, which this protocol has no round trip for.
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "key forwarding is not offered between TPM enclaves (docs/SPEC-tpm.md)");
  }
  const bool mock = nsm_->name() == "mock-nsm";
  attestation::VerifyOptions options{
      .root_der = mock ? attestation::MockRootDer() : attestation::AwsRootDer(),
      .trust_mock_root = mock};
  VIGIL_ASSIGN_OR_RETURN(Bytes fresh, nsm_->Attest({}));
  VIGIL_ASSIGN_OR_RETURN(attestation::CoseSign1 cose, attestation::ReadCoseSign1(fresh));
  VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument own,
                         attestation::ReadPayload(cose.payload));
  options.time_seconds = static_cast<std::int64_t>(own.timestamp_ms / 1000);
  return options;
}

Result<ProtocolMsg> EnclaveProcessor::ExportKey(const ProtocolMsg& request) {
  if (!request.envelope) return Refuse(ProtocolErrorKind::kInvalidMsg, "no manifest envelope");
  // QuorumKeyProvisioned routes here only once the key is in place.
  if (!quorum_key_) return Refuse(ProtocolErrorKind::kFailedToGetQuorumKey, "IOError");
  const quorum::Manifest& next = request.envelope->manifest;
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, OwnTrust());
  if (next.enclave.aws_root_certificate != options.root_der) {
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "the new manifest's aws_root_certificate is not this enclave's attestation "
                  "root");
  }
  VIGIL_RETURN_IF_ERROR(quorum::CheckForwardedManifest(*envelope_, *request.envelope));
  Result<attestation::AttestationDocument> doc =
      quorum::VerifyAgainstManifest(request.data, next, quorum::ManifestPhase::kSetup, options);
  if (!doc.ok()) {
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "the new enclave's attestation: " + doc.error().message());
  }
  Result<crypto::qos::P256Public> target = crypto::qos::P256Public::FromBytes(*doc->public_key);
  if (!target.ok()) return Refuse(ProtocolErrorKind::kInvalidEphemeralKey);
  ProtocolMsg answer = quorum::Request(quorum::MessageKind::kExportKeyResponse);
  VIGIL_ASSIGN_OR_RETURN(answer.encrypted_quorum_key,
                         crypto::qos::Encrypt(*target, quorum_key_->seed().view()));
  VIGIL_ASSIGN_OR_RETURN(answer.signature, quorum_key_->Sign(answer.encrypted_quorum_key));
  return answer;
}

Result<ProtocolMsg> EnclaveProcessor::InjectKey(const ProtocolMsg& request, bool& complete) {
  complete = false;
  const Bytes& expected = envelope_->manifest.name_space.quorum_key;
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Public quorum_public,
                         crypto::qos::P256Public::FromBytes(expected));
  if (!quorum_public.Verify(request.encrypted_quorum_key, request.signature).ok()) {
    return Refuse(ProtocolErrorKind::kInvalidEncryptedQuorumKeySignature);
  }
  Result<crypto::SecretBytes> seed =
      crypto::qos::Decrypt(*setup_key_, request.encrypted_quorum_key);
  if (!seed.ok()) return Refuse(ProtocolErrorKind::kP256Error, "AesGcm256DecryptError");
  if (seed->size() != kSeedSize) return Refuse(ProtocolErrorKind::kEncryptedQuorumKeyInvalidLen);
  Result<crypto::qos::P256Pair> pair = crypto::qos::P256Pair::FromSeed(*seed);
  if (!pair.ok()) return Refuse(ProtocolErrorKind::kInvalidQuorumSecret);
  if (pair->public_key() != expected) return Refuse(ProtocolErrorKind::kWrongQuorumKey);
  VIGIL_RETURN_IF_ERROR(InstallQuorumKey(std::move(*pair)));
  complete = true;
  return quorum::Request(quorum::MessageKind::kInjectKeyResponse);
}

}  // namespace vigil::enclave
