#include "quorum/phase.h"

#include <array>

namespace vigil::quorum {
namespace {

constexpr std::array<std::string_view, 8> kPhaseNames = {
    "UnrecoverableError",      "WaitingForBootInstruction",
    "GenesisBooted",           "WaitingForQuorumShards",
    "QuorumKeyProvisioned",    "WaitingForForwardedKey",
    "WaitingForReshardShares", "ReshardBooted",
};

constexpr std::array<std::string_view, kMessageKinds> kMessageNames = {
    "protocolErrorResponse",
    "statusRequest",
    "statusResponse",
    "bootStandardRequest",
    "bootStandardResponse",
    "bootGenesisRequest",
    "bootGenesisResponse",
    "provisionRequest",
    "provisionResponse",
    "proxyRequest",
    "proxyResponse",
    "liveAttestationDocRequest",
    "liveAttestationDocResponse",
    "bootKeyForwardRequest",
    "bootKeyForwardResponse",
    "exportKeyRequest",
    "exportKeyResponse",
    "injectKeyRequest",
    "injectKeyResponse",
    "manifestEnvelopeRequest",
    "manifestEnvelopeResponse",
    "versionRequest",
    "versionResponse",
    "bootStandardJsonEnvelopeRequest",
    "liveAttestationDocWithNonceRequest",
    "bootReshardRequest",
    "bootReshardResponse",
    "reshardOutputRequest",
    "reshardOutputResponse",
    "tpmActivateCredentialRequest",
    "tpmActivateCredentialResponse",
};

bool IsBootInstruction(MessageKind kind) {
  return kind == MessageKind::kBootStandardRequest || kind == MessageKind::kBootGenesisRequest ||
         kind == MessageKind::kBootKeyForwardRequest ||
         kind == MessageKind::kBootStandardJsonEnvelopeRequest ||
         kind == MessageKind::kBootReshardRequest;
}

}  // namespace

bool IsReshardMessage(MessageKind kind) {
  return kind == MessageKind::kBootReshardRequest || kind == MessageKind::kBootReshardResponse ||
         kind == MessageKind::kReshardOutputRequest || kind == MessageKind::kReshardOutputResponse;
}

std::string_view PhaseName(ProtocolPhase phase) { return kPhaseNames[static_cast<int>(phase)]; }

std::optional<ProtocolPhase> PhaseFromIndex(int index) {
  if (index < 0 || index >= static_cast<int>(kPhaseNames.size())) return std::nullopt;
  return static_cast<ProtocolPhase>(index);
}

std::optional<ProtocolPhase> PhaseFromName(std::string_view name) {
  for (std::size_t i = 0; i < kPhaseNames.size(); ++i) {
    if (kPhaseNames[i] == name) return static_cast<ProtocolPhase>(i);
  }
  return std::nullopt;
}

std::string_view MessageName(MessageKind kind) { return kMessageNames[static_cast<int>(kind)]; }

std::optional<MessageKind> MessageFromIndex(int index) {
  if (index < 0 || index >= kMessageKinds) return std::nullopt;
  return static_cast<MessageKind>(index);
}

std::optional<MessageKind> MessageFromName(std::string_view name) {
  for (std::size_t i = 0; i < kMessageNames.size(); ++i) {
    if (kMessageNames[i] == name) return static_cast<MessageKind>(i);
  }
  return std::nullopt;
}

bool PhaseAccepts(ProtocolPhase phase, MessageKind kind) {
  if (kind == MessageKind::kStatusRequest || kind == MessageKind::kVersionRequest) return true;
  const bool reads = kind == MessageKind::kManifestEnvelopeRequest ||
                     kind == MessageKind::kLiveAttestationDocRequest ||
                     kind == MessageKind::kLiveAttestationDocWithNonceRequest ||
                     kind == MessageKind::kTpmActivateCredentialRequest;
  switch (phase) {
    case ProtocolPhase::kWaitingForBootInstruction:
      return IsBootInstruction(kind) || kind == MessageKind::kManifestEnvelopeRequest;
    case ProtocolPhase::kWaitingForQuorumShards:
      return reads || kind == MessageKind::kProvisionRequest;
    case ProtocolPhase::kWaitingForForwardedKey:
      return reads || kind == MessageKind::kInjectKeyRequest;
    case ProtocolPhase::kQuorumKeyProvisioned:
      return reads || kind == MessageKind::kExportKeyRequest;
    case ProtocolPhase::kUnrecoverableError:
      return reads;
    case ProtocolPhase::kGenesisBooted:
      return false;
    case ProtocolPhase::kWaitingForReshardShares:
      // No envelope to read: the enclave booted a reshard manifest, not a manifest envelope.
      return kind == MessageKind::kProvisionRequest ||
             kind == MessageKind::kLiveAttestationDocRequest ||
             kind == MessageKind::kLiveAttestationDocWithNonceRequest ||
             kind == MessageKind::kTpmActivateCredentialRequest;
    case ProtocolPhase::kReshardBooted:
      return kind == MessageKind::kReshardOutputRequest;
  }
  return false;
}

ProtocolPhase NextPhase(ProtocolPhase phase, MessageKind kind, bool ok, bool complete) {
  if (!PhaseAccepts(phase, kind)) return phase;
  switch (kind) {
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootStandardJsonEnvelopeRequest:
      return ok ? ProtocolPhase::kWaitingForQuorumShards : ProtocolPhase::kUnrecoverableError;
    case MessageKind::kBootGenesisRequest:
      return ok ? ProtocolPhase::kGenesisBooted : ProtocolPhase::kUnrecoverableError;
    case MessageKind::kBootKeyForwardRequest:
      return ok ? ProtocolPhase::kWaitingForForwardedKey : ProtocolPhase::kUnrecoverableError;
    case MessageKind::kBootReshardRequest:
      return ok ? ProtocolPhase::kWaitingForReshardShares : ProtocolPhase::kUnrecoverableError;
    case MessageKind::kProvisionRequest:
      // QuorumOS ends here on a bad share; Vigil refuses the share and keeps waiting.
      if (!ok || !complete) return phase;
      return phase == ProtocolPhase::kWaitingForReshardShares
                 ? ProtocolPhase::kReshardBooted
                 : ProtocolPhase::kQuorumKeyProvisioned;
    case MessageKind::kInjectKeyRequest:
      return ok ? ProtocolPhase::kQuorumKeyProvisioned : ProtocolPhase::kUnrecoverableError;
    default:
      return phase;  // reads, status, version and export never move the phase
  }
}

}  // namespace vigil::quorum
