// QuorumOS's ProtocolError (tkhq/qos qos_core protocol/error.rs at 3d967352, the commit the
// SPEC pins): what an enclave answers instead of a result. The enumerators are in
// QuorumOS's order, so each one's value is its Borsh index; JSON names them in PascalCase.
// Some carry details: a text, an expected and an actual value, two nonces, a phase, two
// phases, the approval that failed, or a P256Error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "quorum/manifest.h"
#include "quorum/phase.h"

namespace vigil::quorum {

enum class ProtocolErrorKind {
  kInvalidShare,
  kReconstructionErrorEmptySecret,
  kReconstructionErrorIncorrectPubKey,
  kIOError,
  kInvalidManifestApproval,
  kNotEnoughApprovals,
  kNoMatchingRoute,
  kInvalidPivotHash,
  kOversizeMsg,
  kInvalidMsg,
  kEnclaveClient,
  kDecryptionFailed,
  kInvalidPrivateKey,
  kFailedToParseFromString,
  kBadEphemeralKeyPath,
  kCannotModifyPostPivotStatic,
  kFailedToGetEphemeralKey,
  kFailedToPutEphemeralKey,
  kCannotRotateNonExistentEphemeralKey,
  kCannotDeleteEphemeralKey,
  kFailedToGetQuorumKey,
  kFailedToPutQuorumKey,
  kFailedToGetManifestEnvelope,
  kFailedToPutManifestEnvelope,
  kFailedToPutPivot,
  kAppClientRecvTimeout,
  kAppClientRecvInterrupted,
  kAppClientRecvConnectionClosed,
  kAppClientConnectError,
  kAppClientSendError,
  kAppClientError,
  kOversizedPayload,
  kProtocolMsgDeserialization,
  kBadShareSetApprovals,
  kCouldNotVerifyApproval,
  kNotShareSetMember,
  kNotManifestSetMember,
  kP256Error,
  kInvalidP256DRKey,
  kIncorrectSecretLen,
  kQosAttestError,
  kDifferentQuorumKey,
  kDifferentManifestSet,
  kDifferentNamespaceName,
  kLowNonce,
  kDifferentPcr3,
  kMissingEphemeralKey,
  kInvalidEphemeralKey,
  kInvalidEncryptedQuorumKeySignature,
  kEncryptedQuorumKeyInvalidLen,
  kInvalidQuorumSecret,
  kWrongQuorumKey,
  kInvalidStateTransition,
  kDuplicateApproval,
  kDifferentManifest,
  kQosCrypto,
  kPoolExpandError,
  kInvalidPivotEnv,
  kMissingLiveEphemeralKey,
  kDuplicateQuorumMember,
  kLegacyGenesisNotSupported,
};
inline constexpr int kProtocolErrorKinds = 61;
// qos_p256's P256Error has 21 variants; the first two (QosHex, IOError) carry a text.
inline constexpr int kP256ErrorKinds = 21;

struct ProtocolError {
  ProtocolErrorKind kind = ProtocolErrorKind::kInvalidMsg;
  std::string text;                                    // the one text, or "expected"
  std::string actual;                                  // "actual" of the expected/actual variants
  std::uint32_t expected_nonce = 0, actual_nonce = 0;  // LowNonce
  ProtocolPhase phase = ProtocolPhase::kUnrecoverableError;     // NoMatchingRoute, from
  ProtocolPhase phase_to = ProtocolPhase::kUnrecoverableError;  // InvalidStateTransition
  std::optional<Approval> approval;                             // InvalidManifestApproval
  int p256_kind = 0;  // the P256Error's index; its text (QosHex, IOError) is in text
  bool operator==(const ProtocolError&) const = default;
};

// The payload each variant carries.
enum class ProtocolErrorShape {
  kUnit,
  kText,
  kExpectedActual,
  kNonces,
  kPhase,
  kPhasePair,
  kApproval,
  kP256
};

std::string_view ProtocolErrorName(ProtocolErrorKind kind);
ProtocolErrorShape ProtocolErrorShapeOf(ProtocolErrorKind kind);
std::optional<ProtocolErrorKind> ProtocolErrorFromName(std::string_view name);
std::string_view P256ErrorName(int index);
std::optional<int> P256ErrorFromName(std::string_view name);

ProtocolError MakeProtocolError(ProtocolErrorKind kind, std::string text = {},
                                std::string actual = {});
ProtocolError NoMatchingRoute(ProtocolPhase phase);

// "NoMatchingRoute(WaitingForQuorumShards)", "InvalidPivotHash: expected .., actual ..": for
// people.
std::string DescribeProtocolError(const ProtocolError& error);

}  // namespace vigil::quorum
