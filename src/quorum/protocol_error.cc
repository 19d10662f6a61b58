#include "quorum/protocol_error.h"

#include <array>

namespace vigil::quorum {
namespace {

using Shape = ProtocolErrorShape;

struct Variant {
  std::string_view name;
  Shape shape;
};

constexpr std::array<Variant, kProtocolErrorKinds> kVariants = {{
    {"InvalidShare", Shape::kUnit},
    {"ReconstructionErrorEmptySecret", Shape::kUnit},
    {"ReconstructionErrorIncorrectPubKey", Shape::kUnit},
    {"IOError", Shape::kUnit},
    {"InvalidManifestApproval", Shape::kApproval},
    {"NotEnoughApprovals", Shape::kUnit},
    {"NoMatchingRoute", Shape::kPhase},
    {"InvalidPivotHash", Shape::kExpectedActual},
    {"OversizeMsg", Shape::kUnit},
    {"InvalidMsg", Shape::kUnit},
    {"EnclaveClient", Shape::kUnit},
    {"DecryptionFailed", Shape::kUnit},
    {"InvalidPrivateKey", Shape::kUnit},
    {"FailedToParseFromString", Shape::kUnit},
    {"BadEphemeralKeyPath", Shape::kUnit},
    {"CannotModifyPostPivotStatic", Shape::kUnit},
    {"FailedToGetEphemeralKey", Shape::kP256},
    {"FailedToPutEphemeralKey", Shape::kUnit},
    {"CannotRotateNonExistentEphemeralKey", Shape::kUnit},
    {"CannotDeleteEphemeralKey", Shape::kText},
    {"FailedToGetQuorumKey", Shape::kP256},
    {"FailedToPutQuorumKey", Shape::kUnit},
    {"FailedToGetManifestEnvelope", Shape::kUnit},
    {"FailedToPutManifestEnvelope", Shape::kUnit},
    {"FailedToPutPivot", Shape::kUnit},
    {"AppClientRecvTimeout", Shape::kUnit},
    {"AppClientRecvInterrupted", Shape::kUnit},
    {"AppClientRecvConnectionClosed", Shape::kUnit},
    {"AppClientConnectError", Shape::kText},
    {"AppClientSendError", Shape::kText},
    {"AppClientError", Shape::kText},
    {"OversizedPayload", Shape::kUnit},
    {"ProtocolMsgDeserialization", Shape::kUnit},
    {"BadShareSetApprovals", Shape::kUnit},
    {"CouldNotVerifyApproval", Shape::kUnit},
    {"NotShareSetMember", Shape::kUnit},
    {"NotManifestSetMember", Shape::kUnit},
    {"P256Error", Shape::kP256},
    {"InvalidP256DRKey", Shape::kP256},
    {"IncorrectSecretLen", Shape::kUnit},
    {"QosAttestError", Shape::kText},
    {"DifferentQuorumKey", Shape::kExpectedActual},
    {"DifferentManifestSet", Shape::kExpectedActual},
    {"DifferentNamespaceName", Shape::kExpectedActual},
    {"LowNonce", Shape::kNonces},
    {"DifferentPcr3", Shape::kExpectedActual},
    {"MissingEphemeralKey", Shape::kUnit},
    {"InvalidEphemeralKey", Shape::kUnit},
    {"InvalidEncryptedQuorumKeySignature", Shape::kUnit},
    {"EncryptedQuorumKeyInvalidLen", Shape::kUnit},
    {"InvalidQuorumSecret", Shape::kUnit},
    {"WrongQuorumKey", Shape::kUnit},
    {"InvalidStateTransition", Shape::kPhasePair},
    {"DuplicateApproval", Shape::kUnit},
    {"DifferentManifest", Shape::kExpectedActual},
    {"QosCrypto", Shape::kText},
    {"PoolExpandError", Shape::kUnit},
    {"InvalidPivotEnv", Shape::kText},
    {"MissingLiveEphemeralKey", Shape::kUnit},
    {"DuplicateQuorumMember", Shape::kUnit},
    {"LegacyGenesisNotSupported", Shape::kUnit},
}};

constexpr std::array<std::string_view, kP256ErrorKinds> kP256Names = {
    "QosHex",
    "IOError",
    "FailedToSerializeEnvelope",
    "FailedToDeserializeEnvelope",
    "AesGcm256DecryptError",
    "AesGcm256EncryptError",
    "FailedToCreateAes256GcmCipher",
    "FailedToDeserializePublicKey",
    "FailedToCoercePublicKeyToIntendedLength",
    "FailedToCoerceNonceToIntendedLength",
    "FailedToDeserializeSignature",
    "FailedSignatureVerification",
    "FailedToReadSecret",
    "FailedToReadPublicKey",
    "EncodedPublicKeyTooLong",
    "EncodedPublicKeyTooShort",
    "HkdfExpansionFailed",
    "MasterSeedInvalidUtf8",
    "MasterSeedInvalidLength",
    "InvalidMasterSeed",
    "CannotCoerceLenToU8"};

const Variant& VariantOf(ProtocolErrorKind kind) {
  return kVariants[static_cast<std::size_t>(kind)];
}

}  // namespace

std::string_view ProtocolErrorName(ProtocolErrorKind kind) { return VariantOf(kind).name; }

ProtocolErrorShape ProtocolErrorShapeOf(ProtocolErrorKind kind) { return VariantOf(kind).shape; }

std::optional<ProtocolErrorKind> ProtocolErrorFromName(std::string_view name) {
  for (std::size_t i = 0; i < kVariants.size(); ++i) {
    if (kVariants[i].name == name) return static_cast<ProtocolErrorKind>(i);
  }
  return std::nullopt;
}

std::string_view P256ErrorName(int index) {
  return index >= 0 && index < kP256ErrorKinds ? kP256Names[static_cast<std::size_t>(index)]
                                               : std::string_view("?");
}

std::optional<int> P256ErrorFromName(std::string_view name) {
  for (std::size_t i = 0; i < kP256Names.size(); ++i) {
    if (kP256Names[i] == name) return static_cast<int>(i);
  }
  return std::nullopt;
}

ProtocolError MakeProtocolError(ProtocolErrorKind kind, std::string text, std::string actual) {
  ProtocolError error;
  error.kind = kind;
  error.text = std::move(text);
  error.actual = std::move(actual);
  return error;
}

ProtocolError NoMatchingRoute(ProtocolPhase phase) {
  ProtocolError error = MakeProtocolError(ProtocolErrorKind::kNoMatchingRoute);
  error.phase = phase;
  return error;
}

std::string DescribeProtocolError(const ProtocolError& error) {
  std::string out(ProtocolErrorName(error.kind));
  switch (ProtocolErrorShapeOf(error.kind)) {
    case Shape::kUnit:
      break;
    case Shape::kText:
      out += ": " + error.text;
      break;
    case Shape::kExpectedActual:
      out += ": expected " + error.text + ", actual " + error.actual;
      break;
    case Shape::kNonces:
      out += ": expected at least " + std::to_string(error.expected_nonce) + ", actual " +
             std::to_string(error.actual_nonce);
      break;
    case Shape::kPhase:
      out += "(" + std::string(PhaseName(error.phase)) + ")";
      break;
    case Shape::kPhasePair:
      out += "(" + std::string(PhaseName(error.phase)) + " -> " +
             std::string(PhaseName(error.phase_to)) + ")";
      break;
    case Shape::kApproval:
      if (error.approval) out += ": the approval of " + error.approval->member.alias;
      break;
    case Shape::kP256:
      out += "(" + std::string(P256ErrorName(error.p256_kind)) +
             (error.text.empty() ? "" : ": " + error.text) + ")";
      break;
  }
  return out;
}

}  // namespace vigil::quorum
