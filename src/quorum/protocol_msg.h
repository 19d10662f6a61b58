// QuorumOS's ProtocolMsg (tkhq/qos qos_core protocol/msg.rs at 3d967352): every request and
// answer between host and enclave, in both wire encodings QuorumOS speaks
// (docs/SPEC-quorum.md, "Protocol messages"):
//   - JSON: externally tagged, camelCase variant names, snake_case fields, bytes as hex,
//     written canonically (qos_json); integers read as numbers or decimal strings.
//   - Borsh: the variant's index, then its fields; an envelope as the bare V1/V0 struct.
// DecodeWire tries JSON first, then Borsh, as QuorumOS's from_wire does; genesis messages
// and V2 manifests exist in JSON only, BootStandardJsonEnvelopeRequest in Borsh only.
// The answer goes back in the request's encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "quorum/genesis_output.h"
#include "quorum/manifest.h"
#include "quorum/phase.h"
#include "quorum/protocol_error.h"
#include "quorum/reshard.h"

namespace vigil::quorum {

enum class WireEncoding { kJson, kBorsh };

// The NSM takes a nonce of at most 512 bytes.
inline constexpr std::size_t kMaxNonceBytes = 512;
// A credential's parts (TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET) and its secret.
inline constexpr std::size_t kMaxCredentialBytes = 1024;
inline constexpr std::size_t kMaxCredentialSecretBytes = 32;

// qos_nsm's NsmDigest and NsmErrorCode (Borsh index = value).
enum class NsmDigest { kSha256 = 0, kSha384 = 1, kSha512 = 2 };
enum class NsmErrorCode {
  kSuccess = 0,
  kInvalidArgument,
  kInvalidIndex,
  kInvalidResponse,
  kReadOnlyIndex,
  kInvalidOperation,
  kBufferTooSmall,
  kInputTooLarge,
  kInternalError,
};

// qos_nsm's NsmResponse: one of its variants, with the fields that variant carries.
struct NsmResponse {
  enum class Kind {
    kDescribePcr = 0,  // lock, data
    kExtendPcr,        // data
    kLockPcr,
    kLockPcrs,
    kDescribeNsm,  // version_*, module_id, max_pcrs, locked_pcrs, digest
    kAttestation,  // data = the COSE_Sign1 document
    kGetRandom,    // data = the random bytes
    kError,        // error
  };
  Kind kind = Kind::kAttestation;
  bool lock = false;
  Bytes data;
  std::uint16_t version_major = 0, version_minor = 0, version_patch = 0;
  std::string module_id;
  std::uint16_t max_pcrs = 0;
  std::set<std::uint16_t> locked_pcrs;
  NsmDigest digest = NsmDigest::kSha384;
  NsmErrorCode error = NsmErrorCode::kSuccess;
  bool operator==(const NsmResponse&) const = default;
};

// One message: `kind`, and the fields that kind carries (the others stay empty).
struct ProtocolMsg {
  MessageKind kind = MessageKind::kStatusRequest;
  ProtocolError error;                          // ProtocolErrorResponse
  ProtocolPhase phase{};                        // StatusResponse
  std::optional<ManifestEnvelope> envelope;     // boot, key forward, export, live, envelope resp.
  Bytes pivot;                                  // BootStandard, BootKeyForward, JsonEnvelope
  std::optional<NsmResponse> nsm;               // *Response carrying nsm_response
  Bytes share;                                  // Provision
  std::optional<Approval> approval;             // Provision
  bool reconstructed = false;                   // ProvisionResponse
  Bytes data;                                   // Proxy; ExportKey's cose_sign1_attestation_doc
  Bytes encrypted_quorum_key, signature;        // ExportKeyResponse, InjectKeyRequest
  std::string version, commit;                  // VersionResponse
  GenesisSet genesis_set;                       // BootGenesisRequest
  std::optional<Bytes> dr_key;                  // BootGenesisRequest
  std::optional<GenesisOutput> genesis_output;  // BootGenesisResponse
  Bytes nonce;                                  // LiveAttestationDocWithNonceRequest
  std::optional<ReshardEnvelope> reshard_envelope;  // BootReshardRequest
  Bytes reshard_output;               // ReshardOutputResponse: the Borsh ReshardOutput
  Bytes id_object, encrypted_secret;  // TpmActivateCredentialRequest (tpm2_credential.h)
  Bytes secret;                       // TpmActivateCredentialResponse
  bool operator==(const ProtocolMsg&) const = default;
};

struct DecodedMsg {
  ProtocolMsg msg;
  WireEncoding encoding;
};

// QuorumOS's answers to what it cannot decode: ProtocolMsgDeserialization, or
// LegacyGenesisNotSupported for a genesis message in Borsh. The error's message names the
// reason for logs; the caller answers `error_kind` (in JSON, as QuorumOS does).
struct DecodeFailure {
  ProtocolErrorKind error_kind;
  std::string reason;
};

// Decodes a message; on failure, the ProtocolError to answer and why.
Result<DecodedMsg> DecodeWire(ByteView bytes, DecodeFailure* failure = nullptr);
Result<ProtocolMsg> DecodeJsonMsg(std::string_view text);
Result<ProtocolMsg> DecodeBorshMsg(ByteView bytes);

// Encodes a message. BadInput when the encoding cannot carry it (a V2 envelope or a genesis
// message in Borsh; BootStandardJsonEnvelopeRequest in JSON).
Result<Bytes> EncodeWire(const ProtocolMsg& msg, WireEncoding encoding);

// BadInput unless a TpmActivateCredentialRequest's two parts are each 1 to 1024 bytes.
Status CheckCredential(const ProtocolMsg& msg);

// Convenience constructors.
ProtocolMsg ErrorResponse(ProtocolError error);
ProtocolMsg Request(MessageKind kind);

}  // namespace vigil::quorum
