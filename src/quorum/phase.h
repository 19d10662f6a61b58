// The enclave's phases and which protocol messages each accepts (QuorumOS state.rs;
// docs/SPEC-quorum.md). A message the phase does not route is answered NoMatchingRoute and
// changes nothing.
#pragma once

#include <optional>
#include <string_view>

namespace vigil::quorum {

// Borsh indices are the enumerators' values.
enum class ProtocolPhase {
  kUnrecoverableError = 0,
  kWaitingForBootInstruction = 1,
  kGenesisBooted = 2,
  kWaitingForQuorumShards = 3,
  kQuorumKeyProvisioned = 4,
  kWaitingForForwardedKey = 5,
  // Vigil's own (docs/SPEC-quorum.md, "Resharding"): booted with a reshard manifest and
  // collecting the old share set's shares; then resharded, holding the output to hand out.
  kWaitingForReshardShares = 6,
  kReshardBooted = 7,
};

// The ProtocolMsg variants (Borsh index = value).
enum class MessageKind {
  kProtocolErrorResponse = 0,
  kStatusRequest = 1,
  kStatusResponse = 2,
  kBootStandardRequest = 3,
  kBootStandardResponse = 4,
  kBootGenesisRequest = 5,
  kBootGenesisResponse = 6,
  kProvisionRequest = 7,
  kProvisionResponse = 8,
  kProxyRequest = 9,
  kProxyResponse = 10,
  kLiveAttestationDocRequest = 11,
  kLiveAttestationDocResponse = 12,
  kBootKeyForwardRequest = 13,
  kBootKeyForwardResponse = 14,
  kExportKeyRequest = 15,
  kExportKeyResponse = 16,
  kInjectKeyRequest = 17,
  kInjectKeyResponse = 18,
  kManifestEnvelopeRequest = 19,
  kManifestEnvelopeResponse = 20,
  kVersionRequest = 21,
  kVersionResponse = 22,
  kBootStandardJsonEnvelopeRequest = 23,
  // Vigil's own, from 24 on (docs/SPEC-quorum.md): QuorumOS's LiveAttestationDocRequest has
  // no fields, so a caller cannot bind the document to its own nonce. The answer is a
  // LiveAttestationDocResponse whose document carries the nonce.
  kLiveAttestationDocWithNonceRequest = 24,
  // Resharding: boot with an approved reshard envelope (answered with the setup
  // attestation); once the old threshold of shares came in, fetch the attested output.
  kBootReshardRequest = 25,
  kBootReshardResponse = 26,
  kReshardOutputRequest = 27,
  kReshardOutputResponse = 28,
  // A TPM enclave (docs/SPEC-tpm.md): the verifier's credential for the enclave's
  // attestation key, made to the TPM's EK; the answer is the secret only that TPM, with
  // that key loaded, recovers (TPM2_ActivateCredential).
  kTpmActivateCredentialRequest = 29,
  kTpmActivateCredentialResponse = 30,
};
inline constexpr int kMessageKinds = 31;

// The four reshard variants, which exist in JSON only.
bool IsReshardMessage(MessageKind kind);

// PascalCase, as QuorumOS writes a phase in JSON ("WaitingForBootInstruction").
std::string_view PhaseName(ProtocolPhase phase);
std::optional<ProtocolPhase> PhaseFromIndex(int index);
std::optional<ProtocolPhase> PhaseFromName(std::string_view name);

// camelCase, as QuorumOS tags a message in JSON ("bootStandardRequest").
std::string_view MessageName(MessageKind kind);
std::optional<MessageKind> MessageFromIndex(int index);
std::optional<MessageKind> MessageFromName(std::string_view name);

// True when `phase` routes the request `kind`. Status and Version are routed in every phase;
// responses and the Proxy messages never are.
bool PhaseAccepts(ProtocolPhase phase, MessageKind kind);

// The phase after `phase` handled `kind`: `ok` says whether it succeeded, `complete` (for
// Provision) whether the key was reconstructed. A failed boot instruction, provision or key
// injection is unrecoverable in QuorumOS; a failed export keeps the phase.
ProtocolPhase NextPhase(ProtocolPhase phase, MessageKind kind, bool ok, bool complete = true);

}  // namespace vigil::quorum
