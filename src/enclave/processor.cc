#include "enclave/processor.h"

#include <string>

#include "attestation/tpm_provider.h"
#include "base/file.h"
#include "base/hex.h"
#include "crypto/envelope.h"
#include "crypto/shamir.h"
#include "enclave/refusal.h"
#include "enclave/seed_file.h"
#include "quorum/approvals.h"
#include "quorum/manifest_commitment.h"
#include "quorum/manifest_json.h"

namespace vigil::enclave {
namespace {

using quorum::MessageKind;
using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;
using quorum::ProtocolPhase;

ProtocolErrorKind FallbackFor(MessageKind kind) {
  return kind == MessageKind::kProvisionRequest || kind == MessageKind::kBootGenesisRequest ||
                 kind == MessageKind::kInjectKeyRequest
             ? ProtocolErrorKind::kQosCrypto
             : ProtocolErrorKind::kQosAttestError;
}

}  // namespace

EnclaveProcessor::EnclaveProcessor(EnclaveConfig config,
                                   std::unique_ptr<attestation::AttestationProvider> nsm)
    : config_(std::move(config)), nsm_(std::move(nsm)) {}

EnclaveProcessor::~EnclaveProcessor() = default;

ProtocolMsg EnclaveProcessor::Handle(const ProtocolMsg& request) {
  if (!quorum::PhaseAccepts(phase_, request.kind)) {
    return quorum::ErrorResponse(quorum::NoMatchingRoute(phase_));
  }
  bool complete = true;
  Result<ProtocolMsg> answer = Route(request, complete);
  phase_ = quorum::NextPhase(phase_, request.kind, answer.ok(), complete);
  if (answer.ok()) return std::move(*answer);
  return quorum::ErrorResponse(ToProtocolError(answer.error(), FallbackFor(request.kind)));
}

std::optional<PivotLaunch> EnclaveProcessor::TakePivot() {
  std::optional<PivotLaunch> pivot = std::move(pivot_);
  pivot_.reset();
  return pivot;
}

Result<ProtocolMsg> EnclaveProcessor::Route(const ProtocolMsg& request, bool& complete) {
  switch (request.kind) {
    case MessageKind::kStatusRequest: {
      ProtocolMsg answer = quorum::Request(MessageKind::kStatusResponse);
      answer.phase = phase_;
      return answer;
    }
    case MessageKind::kVersionRequest: {
      ProtocolMsg answer = quorum::Request(MessageKind::kVersionResponse);
      answer.version = config_.version;
      answer.commit = config_.commit;
      return answer;
    }
    case MessageKind::kManifestEnvelopeRequest: {
      ProtocolMsg answer = quorum::Request(MessageKind::kManifestEnvelopeResponse);
      answer.envelope = envelope_;
      return answer;
    }
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootStandardJsonEnvelopeRequest:
      return BootStandard(request);
    case MessageKind::kProvisionRequest:
      return Provision(request, complete);
    case MessageKind::kLiveAttestationDocRequest:
      return LiveAttestation({});
    case MessageKind::kLiveAttestationDocWithNonceRequest:
      return LiveAttestation(request.nonce);
    case MessageKind::kBootGenesisRequest:
      return Genesis(request);
    case MessageKind::kBootKeyForwardRequest:
      return BootStandard(request);
    case MessageKind::kExportKeyRequest:
      return ExportKey(request);
    case MessageKind::kInjectKeyRequest:
      return InjectKey(request, complete);
    case MessageKind::kBootReshardRequest:
      return BootReshard(request);
    case MessageKind::kReshardOutputRequest:
      return ReshardOutputAnswer();
    case MessageKind::kTpmActivateCredentialRequest:
      return ActivateCredential(request);
    default:
      return Refuse(ProtocolErrorKind::kInvalidMsg,
                    std::string(quorum::MessageName(request.kind)) + " is not a request");
  }
}

Result<Bytes> EnclaveProcessor::CheckPivot(const ProtocolMsg& request) {
  Bytes pivot = request.pivot;
  if (pivot.empty()) {
    if (!config_.image_pivot) {
      return Refuse(ProtocolErrorKind::kFailedToPutPivot,
                    "the request carries no pivot and the image has no target");
    }
    VIGIL_ASSIGN_OR_RETURN(pivot, ReadFile(*config_.image_pivot, 1ull << 30));
  }
  const crypto::Sha256Digest actual = crypto::Sha256(pivot);
  const Bytes& expected = envelope_->manifest.pivot.hash;
  if (Bytes(actual.begin(), actual.end()) != expected) {
    return Refuse(ProtocolErrorKind::kInvalidPivotHash,
                  "expected " + HexEncode(expected) + ", actual " + HexEncode(actual));
  }
  return pivot;
}

Result<ProtocolMsg> EnclaveProcessor::BootStandard(const ProtocolMsg& request) {
  if (!request.envelope) return Refuse(ProtocolErrorKind::kInvalidMsg, "no manifest envelope");
  envelope_ = *request.envelope;
  VIGIL_ASSIGN_OR_RETURN(manifest_hash_, quorum::ManifestHash(envelope_->manifest));
  VIGIL_RETURN_IF_ERROR(quorum::CheckApprovals(envelope_->manifest, manifest_hash_,
                                               envelope_->manifest_set_approvals));
  if (!envelope_->share_set_approvals.empty()) {
    return Refuse(ProtocolErrorKind::kBadShareSetApprovals);
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes pivot, CheckPivot(request));
  VIGIL_ASSIGN_OR_RETURN(setup_key_, crypto::qos::P256Pair::Generate());
  VIGIL_ASSIGN_OR_RETURN(live_key_, crypto::qos::P256Pair::Generate());
  VIGIL_RETURN_IF_ERROR(CommitToPcrs());
  pivot_path_ = config_.state_dir / "qos.pivot.bin";
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(pivot_path_, pivot, 0700));
  VIGIL_ASSIGN_OR_RETURN(std::string envelope_json, quorum::EnvelopeJson(*envelope_));
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomic(config_.state_dir / "qos.manifest", AsBytes(envelope_json), 0644));
  VIGIL_RETURN_IF_ERROR(WriteSeedFile(config_.state_dir / "qos.ephemeral.key", setup_key_->seed()));
  return Attested(request.kind == MessageKind::kBootKeyForwardRequest
                      ? MessageKind::kBootKeyForwardResponse
                      : MessageKind::kBootStandardResponse,
                  *setup_key_);
}

// PCR16 and PCR17 must be unlocked and zero; they take the setup and live commitments, then
// every PCR is locked and the values checked again (QuorumOS's boot standard, step 2).
Status EnclaveProcessor::CommitToPcrs() {
  if (attestation::TpmProvider* tpm = nsm_->tpm()) return CommitToTpmPcrs(*tpm);
  VIGIL_ASSIGN_OR_RETURN(attestation::NsmDescription nsm, nsm_->Describe());
  if (nsm.digest != "SHA384" || nsm.max_pcrs < 32) {
    return Refuse(ProtocolErrorKind::kQosAttestError, "the NSM does not offer 32 SHA-384 PCRs");
  }
  const std::pair<quorum::ManifestPhase, const crypto::qos::P256Pair*> commitments[] = {
      {quorum::ManifestPhase::kSetup, &*setup_key_}, {quorum::ManifestPhase::kLive, &*live_key_}};
  for (const auto& [phase, key] : commitments) {
    const int index = quorum::ManifestCommitmentPcrIndex(phase);
    VIGIL_ASSIGN_OR_RETURN(attestation::PcrState before, nsm_->DescribePcr(index));
    if (before.locked || before.value != crypto::Sha384Digest{}) {
      return Refuse(ProtocolErrorKind::kQosAttestError,
                    "PCR" + std::to_string(index) + " is not fresh: locked or extended before");
    }
    VIGIL_ASSIGN_OR_RETURN(Bytes commitment,
                           quorum::ManifestCommitment(phase, manifest_hash_, key->public_key()));
    VIGIL_RETURN_IF_ERROR(nsm_->ExtendPcr(index, commitment).status());
    VIGIL_ASSIGN_OR_RETURN(attestation::PcrState after, nsm_->DescribePcr(index));
    if (Bytes(after.value.begin(), after.value.end()) != quorum::ManifestPcr(commitment)) {
      return Refuse(ProtocolErrorKind::kQosAttestError,
                    "PCR" + std::to_string(index) + " does not hold its commitment");
    }
  }
  VIGIL_RETURN_IF_ERROR(CommitManifestOnly());
  VIGIL_RETURN_IF_ERROR(nsm_->LockPcrs(nsm.max_pcrs));
  VIGIL_ASSIGN_OR_RETURN(attestation::NsmDescription locked, nsm_->Describe());
  if (locked.locked_pcrs.size() < 32) {
    return Refuse(ProtocolErrorKind::kQosAttestError, "the PCRs did not lock");
  }
  return OkStatus();
}

// PCR18: Vigil's commitment to the manifest alone, which a relying party can pin across boots.
Status EnclaveProcessor::CommitManifestOnly() {
  const int index = quorum::kManifestOnlyPcrIndex;
  VIGIL_ASSIGN_OR_RETURN(attestation::PcrState before, nsm_->DescribePcr(index));
  if (before.locked || before.value != crypto::Sha384Digest{}) {
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "PCR18 is not fresh: locked or extended before");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes commitment, quorum::ManifestOnlyCommitment(manifest_hash_));
  VIGIL_RETURN_IF_ERROR(nsm_->ExtendPcr(index, commitment).status());
  VIGIL_ASSIGN_OR_RETURN(attestation::PcrState after, nsm_->DescribePcr(index));
  if (Bytes(after.value.begin(), after.value.end()) != quorum::ManifestPcr(commitment)) {
    return Refuse(ProtocolErrorKind::kQosAttestError, "PCR18 does not hold its commitment");
  }
  return OkStatus();
}

// A TPM's PCRs 12, 14 and 15 take the same commitments (quorum/manifest_commitment.h). They
// cannot be locked: a verifier requires each to be exactly one extend, so any later extend
// shows.
Status EnclaveProcessor::CommitToTpmPcrs(attestation::TpmProvider& tpm) {
  VIGIL_ASSIGN_OR_RETURN(Bytes setup,
                         quorum::ManifestCommitment(quorum::ManifestPhase::kSetup, manifest_hash_,
                                                    setup_key_->public_key()));
  VIGIL_ASSIGN_OR_RETURN(Bytes live,
                         quorum::ManifestCommitment(quorum::ManifestPhase::kLive, manifest_hash_,
                                                    live_key_->public_key()));
  VIGIL_ASSIGN_OR_RETURN(Bytes manifest_only, quorum::ManifestOnlyCommitment(manifest_hash_));
  const std::pair<int, const Bytes*> commitments[] = {
      {quorum::kTpmSetupPcrIndex, &setup},
      {quorum::kTpmLivePcrIndex, &live},
      {quorum::kTpmManifestOnlyPcrIndex, &manifest_only}};
  for (const auto& [index, commitment] : commitments) {
    const std::string pcr = "PCR" + std::to_string(index);
    VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest before, tpm.ReadPcr(index));
    if (before != crypto::Sha256Digest{}) {
      return Refuse(ProtocolErrorKind::kQosAttestError, pcr + " is not fresh: extended before");
    }
    VIGIL_RETURN_IF_ERROR(tpm.ExtendPcr256(index, quorum::TpmCommitmentDigest(*commitment)));
    VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest after, tpm.ReadPcr(index));
    if (Bytes(after.begin(), after.end()) != quorum::TpmManifestPcr(*commitment)) {
      return Refuse(ProtocolErrorKind::kQosAttestError, pcr + " does not hold its commitment");
    }
  }
  return OkStatus();
}

Result<ProtocolMsg> EnclaveProcessor::ActivateCredential(const ProtocolMsg& request) {
  attestation::TpmProvider* tpm = nsm_->tpm();
  if (tpm == nullptr) {
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "this enclave attests with " + std::string(nsm_->name()) + ", not a TPM");
  }
  VIGIL_RETURN_IF_ERROR(quorum::CheckCredential(request));
  Result<crypto::SecretBytes> secret =
      tpm->ActivateCredential(request.id_object, request.encrypted_secret);
  if (!secret.ok()) {
    return Refuse(ProtocolErrorKind::kQosAttestError,
                  "the TPM did not activate the credential: " + secret.error().message());
  }
  ProtocolMsg answer = quorum::Request(MessageKind::kTpmActivateCredentialResponse);
  // The secret is the verifier's challenge, not a secret of the enclave's: it goes back.
  answer.secret = Bytes(secret->view().begin(), secret->view().end());
  return answer;
}

Result<ProtocolMsg> EnclaveProcessor::Attested(MessageKind kind, const crypto::qos::P256Pair& key,
                                               const Bytes& nonce) {
  attestation::AttestationRequest request;
  request.user_data = Bytes(manifest_hash_.begin(), manifest_hash_.end());
  request.public_key = key.public_key();
  if (!nonce.empty()) request.nonce = nonce;
  VIGIL_ASSIGN_OR_RETURN(Bytes document, nsm_->Attest(request));
  ProtocolMsg answer = quorum::Request(kind);
  quorum::NsmResponse nsm;
  nsm.kind = quorum::NsmResponse::Kind::kAttestation;
  nsm.data = std::move(document);
  answer.nsm = std::move(nsm);
  return answer;
}

Result<ProtocolMsg> EnclaveProcessor::LiveAttestation(const Bytes& nonce) {
  if (!envelope_) return Refuse(ProtocolErrorKind::kFailedToGetManifestEnvelope);
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Attested(MessageKind::kLiveAttestationDocResponse,
                                                      rotated_ ? *live_key_ : *setup_key_, nonce));
  if (!reshard_) answer.envelope = envelope_;  // a reshard has no manifest envelope to show
  return answer;
}

}  // namespace vigil::enclave
