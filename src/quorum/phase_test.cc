#include "quorum/phase.h"

#include <gtest/gtest.h>

namespace vigil::quorum {
namespace {

TEST(PhaseTest, NamesAndIndicesRoundTrip) {
  for (int i = 0; i < 6; ++i) {
    const ProtocolPhase phase = *PhaseFromIndex(i);
    EXPECT_EQ(PhaseFromName(PhaseName(phase)), phase);
  }
  for (int i = 0; i < kMessageKinds; ++i) {
    const MessageKind kind = *MessageFromIndex(i);
    EXPECT_EQ(MessageFromName(MessageName(kind)), kind);
  }
  EXPECT_EQ(PhaseName(ProtocolPhase::kWaitingForBootInstruction), "WaitingForBootInstruction");
  EXPECT_EQ(MessageName(MessageKind::kBootStandardJsonEnvelopeRequest),
            "bootStandardJsonEnvelopeRequest");
  EXPECT_EQ(PhaseName(*PhaseFromIndex(7)), "ReshardBooted");
  EXPECT_FALSE(PhaseFromIndex(8).has_value());
  EXPECT_EQ(MessageName(*MessageFromIndex(24)), "liveAttestationDocWithNonceRequest");
  EXPECT_EQ(MessageName(*MessageFromIndex(28)), "reshardOutputResponse");
  EXPECT_EQ(MessageName(*MessageFromIndex(30)), "tpmActivateCredentialResponse");
  EXPECT_FALSE(MessageFromIndex(31).has_value());
  EXPECT_FALSE(MessageFromName("BootStandardRequest").has_value());
}

TEST(PhaseTest, EachPhaseRoutesOnlyItsMessages) {
  using P = ProtocolPhase;
  using M = MessageKind;
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForBootInstruction, M::kBootStandardRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForBootInstruction, M::kBootGenesisRequest));
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForBootInstruction, M::kProvisionRequest));
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForBootInstruction, M::kLiveAttestationDocRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForQuorumShards, M::kProvisionRequest));
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForQuorumShards, M::kBootStandardRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForForwardedKey, M::kInjectKeyRequest));
  EXPECT_TRUE(PhaseAccepts(P::kQuorumKeyProvisioned, M::kExportKeyRequest));
  EXPECT_FALSE(PhaseAccepts(P::kQuorumKeyProvisioned, M::kProvisionRequest));
  EXPECT_FALSE(PhaseAccepts(P::kGenesisBooted, M::kLiveAttestationDocRequest));
  EXPECT_TRUE(PhaseAccepts(P::kUnrecoverableError, M::kManifestEnvelopeRequest));
  EXPECT_FALSE(PhaseAccepts(P::kUnrecoverableError, M::kBootStandardRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForBootInstruction, M::kBootReshardRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForReshardShares, M::kProvisionRequest));
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForReshardShares, M::kManifestEnvelopeRequest));
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForReshardShares, M::kReshardOutputRequest));
  EXPECT_TRUE(PhaseAccepts(P::kReshardBooted, M::kReshardOutputRequest));
  EXPECT_FALSE(PhaseAccepts(P::kReshardBooted, M::kProvisionRequest));
  EXPECT_FALSE(PhaseAccepts(P::kQuorumKeyProvisioned, M::kReshardOutputRequest));
  // A TPM enclave's activation: once booted, wherever its attestation can be read.
  EXPECT_FALSE(PhaseAccepts(P::kWaitingForBootInstruction, M::kTpmActivateCredentialRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForQuorumShards, M::kTpmActivateCredentialRequest));
  EXPECT_TRUE(PhaseAccepts(P::kWaitingForReshardShares, M::kTpmActivateCredentialRequest));
  EXPECT_TRUE(PhaseAccepts(P::kQuorumKeyProvisioned, M::kTpmActivateCredentialRequest));
  EXPECT_FALSE(PhaseAccepts(P::kGenesisBooted, M::kTpmActivateCredentialRequest));
  for (int p = 0; p < 8; ++p) {
    EXPECT_TRUE(PhaseAccepts(*PhaseFromIndex(p), M::kStatusRequest));
    EXPECT_TRUE(PhaseAccepts(*PhaseFromIndex(p), M::kVersionRequest));
    EXPECT_FALSE(PhaseAccepts(*PhaseFromIndex(p), M::kProxyRequest));
    EXPECT_FALSE(PhaseAccepts(*PhaseFromIndex(p), M::kStatusResponse));
  }
}

TEST(PhaseTest, TransitionsFollowOutcomes) {
  using P = ProtocolPhase;
  using M = MessageKind;
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootStandardRequest, true),
            P::kWaitingForQuorumShards);
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootStandardRequest, false),
            P::kUnrecoverableError);
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootGenesisRequest, true),
            P::kGenesisBooted);
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootKeyForwardRequest, true),
            P::kWaitingForForwardedKey);
  EXPECT_EQ(NextPhase(P::kWaitingForQuorumShards, M::kProvisionRequest, true, false),
            P::kWaitingForQuorumShards);
  EXPECT_EQ(NextPhase(P::kWaitingForQuorumShards, M::kProvisionRequest, true, true),
            P::kQuorumKeyProvisioned);
  // A refused share keeps the enclave waiting (QuorumOS would brick it).
  EXPECT_EQ(NextPhase(P::kWaitingForQuorumShards, M::kProvisionRequest, false),
            P::kWaitingForQuorumShards);
  EXPECT_EQ(NextPhase(P::kWaitingForForwardedKey, M::kInjectKeyRequest, false),
            P::kUnrecoverableError);
  EXPECT_EQ(NextPhase(P::kQuorumKeyProvisioned, M::kExportKeyRequest, false),
            P::kQuorumKeyProvisioned);
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootReshardRequest, true),
            P::kWaitingForReshardShares);
  EXPECT_EQ(NextPhase(P::kWaitingForBootInstruction, M::kBootReshardRequest, false),
            P::kUnrecoverableError);
  EXPECT_EQ(NextPhase(P::kWaitingForReshardShares, M::kProvisionRequest, true, false),
            P::kWaitingForReshardShares);
  EXPECT_EQ(NextPhase(P::kWaitingForReshardShares, M::kProvisionRequest, false),
            P::kWaitingForReshardShares);
  EXPECT_EQ(NextPhase(P::kWaitingForReshardShares, M::kProvisionRequest, true, true),
            P::kReshardBooted);
  // An unrouted message changes nothing.
  EXPECT_EQ(NextPhase(P::kGenesisBooted, M::kBootStandardRequest, true), P::kGenesisBooted);
}

}  // namespace
}  // namespace vigil::quorum
