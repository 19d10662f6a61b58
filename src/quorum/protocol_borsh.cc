// ProtocolMsg in Borsh (docs/SPEC-quorum.md, "Protocol messages"): the variant's index, then
// its fields in declaration order.
#include <string>

#include "quorum/borsh.h"
#include "quorum/frame.h"
#include "quorum/manifest_borsh.h"
#include "quorum/manifest_json.h"
#include "quorum/protocol_codec.h"

namespace vigil::quorum {
namespace {

using Shape = ProtocolErrorShape;
constexpr std::size_t kMaxBlob = kMaxFrameBytes;  // pivots, documents: bounded by the frame
constexpr std::size_t kMaxText = 64 * 1024;       // error details, versions

// ---- writing ----

Status WriteError(BorshWriter& out, const ProtocolError& error) {
  out.U8(static_cast<std::uint8_t>(error.kind));
  switch (ProtocolErrorShapeOf(error.kind)) {
    case Shape::kUnit:
      return OkStatus();
    case Shape::kText:
      return out.String(error.text);
    case Shape::kExpectedActual:
      VIGIL_RETURN_IF_ERROR(out.String(error.text));
      return out.String(error.actual);
    case Shape::kNonces:
      out.U32(error.expected_nonce);
      out.U32(error.actual_nonce);
      return OkStatus();
    case Shape::kPhase:
      out.U8(static_cast<std::uint8_t>(error.phase));
      return OkStatus();
    case Shape::kPhasePair:
      out.U8(static_cast<std::uint8_t>(error.phase));
      out.U8(static_cast<std::uint8_t>(error.phase_to));
      return OkStatus();
    case Shape::kApproval:
      if (!error.approval) return Error::BadInput("InvalidManifestApproval without its approval");
      return WriteApprovalBorsh(out, *error.approval);
    case Shape::kP256:
      out.U8(static_cast<std::uint8_t>(error.p256_kind));
      return error.p256_kind < 2 ? out.String(error.text) : OkStatus();
  }
  return OkStatus();
}

Status WriteNsm(BorshWriter& out, const std::optional<NsmResponse>& nsm) {
  if (!nsm) return Error::BadInput("the message lacks its nsm_response");
  out.U8(static_cast<std::uint8_t>(nsm->kind));
  switch (nsm->kind) {
    case NsmResponse::Kind::kDescribePcr:
      out.Bool(nsm->lock);
      return out.Bytes(nsm->data);
    case NsmResponse::Kind::kExtendPcr:
    case NsmResponse::Kind::kAttestation:
    case NsmResponse::Kind::kGetRandom:
      return out.Bytes(nsm->data);
    case NsmResponse::Kind::kLockPcr:
    case NsmResponse::Kind::kLockPcrs:
      return OkStatus();
    case NsmResponse::Kind::kDescribeNsm:
      out.U16(nsm->version_major);
      out.U16(nsm->version_minor);
      out.U16(nsm->version_patch);
      VIGIL_RETURN_IF_ERROR(out.String(nsm->module_id));
      out.U16(nsm->max_pcrs);
      VIGIL_RETURN_IF_ERROR(out.Length(nsm->locked_pcrs.size()));
      for (std::uint16_t pcr : nsm->locked_pcrs) out.U16(pcr);
      out.U8(static_cast<std::uint8_t>(nsm->digest));
      return OkStatus();
    case NsmResponse::Kind::kError:
      out.U8(static_cast<std::uint8_t>(nsm->error));
      return OkStatus();
  }
  return OkStatus();
}

Status WriteEnvelope(BorshWriter& out, const std::optional<ManifestEnvelope>& envelope) {
  if (!envelope) return Error::BadInput("the message lacks its manifest envelope");
  return WriteEnvelopeBorsh(out, *envelope);
}

Status WriteOptionalEnvelope(BorshWriter& out, const std::optional<ManifestEnvelope>& envelope) {
  out.Bool(envelope.has_value());
  return envelope ? WriteEnvelopeBorsh(out, *envelope) : OkStatus();
}

Status WriteFields(BorshWriter& out, const ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kProtocolErrorResponse:
      return WriteError(out, msg.error);
    case MessageKind::kStatusResponse:
      out.U8(static_cast<std::uint8_t>(msg.phase));
      return OkStatus();
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootKeyForwardRequest:
      VIGIL_RETURN_IF_ERROR(WriteEnvelope(out, msg.envelope));
      return out.Bytes(msg.pivot);
    case MessageKind::kBootStandardResponse:
    case MessageKind::kBootKeyForwardResponse:
      return WriteNsm(out, msg.nsm);
    case MessageKind::kBootGenesisRequest:
    case MessageKind::kBootGenesisResponse:
      return Error::BadInput("genesis messages exist in JSON only (LegacyGenesisNotSupported)");
    case MessageKind::kBootReshardRequest:
    case MessageKind::kBootReshardResponse:
    case MessageKind::kReshardOutputRequest:
    case MessageKind::kReshardOutputResponse:
      return Error::BadInput("reshard messages exist in JSON only");
    case MessageKind::kProvisionRequest:
      VIGIL_RETURN_IF_ERROR(out.Bytes(msg.share));
      if (!msg.approval) return Error::BadInput("a ProvisionRequest lacks its approval");
      return WriteApprovalBorsh(out, *msg.approval);
    case MessageKind::kProvisionResponse:
      out.Bool(msg.reconstructed);
      return OkStatus();
    case MessageKind::kProxyRequest:
    case MessageKind::kProxyResponse:
      return out.Bytes(msg.data);
    case MessageKind::kLiveAttestationDocResponse:
      VIGIL_RETURN_IF_ERROR(WriteNsm(out, msg.nsm));
      return WriteOptionalEnvelope(out, msg.envelope);
    case MessageKind::kExportKeyRequest:
      VIGIL_RETURN_IF_ERROR(WriteEnvelope(out, msg.envelope));
      return out.Bytes(msg.data);
    case MessageKind::kExportKeyResponse:
    case MessageKind::kInjectKeyRequest:
      VIGIL_RETURN_IF_ERROR(out.Bytes(msg.encrypted_quorum_key));
      return out.Bytes(msg.signature);
    case MessageKind::kManifestEnvelopeResponse:
      return WriteOptionalEnvelope(out, msg.envelope);
    case MessageKind::kVersionResponse:
      VIGIL_RETURN_IF_ERROR(out.String(msg.version));
      return out.String(msg.commit);
    case MessageKind::kLiveAttestationDocWithNonceRequest:
      if (msg.nonce.empty() || msg.nonce.size() > kMaxNonceBytes) {
        return Error::BadInput("a nonce of 1 to 512 bytes");
      }
      return out.Bytes(msg.nonce);
    case MessageKind::kTpmActivateCredentialRequest:
      VIGIL_RETURN_IF_ERROR(CheckCredential(msg));
      VIGIL_RETURN_IF_ERROR(out.Bytes(msg.id_object));
      return out.Bytes(msg.encrypted_secret);
    case MessageKind::kTpmActivateCredentialResponse:
      if (msg.secret.empty() || msg.secret.size() > kMaxCredentialSecretBytes) {
        return Error::BadInput("a credential's secret of 1 to 32 bytes");
      }
      return out.Bytes(msg.secret);
    case MessageKind::kBootStandardJsonEnvelopeRequest: {
      if (!msg.envelope) return Error::BadInput("the message lacks its manifest envelope");
      VIGIL_ASSIGN_OR_RETURN(std::string json, EnvelopeJson(*msg.envelope));
      VIGIL_RETURN_IF_ERROR(out.String(json));
      return out.Bytes(msg.pivot);
    }
    default:  // the unit variants
      return OkStatus();
  }
}

// ---- reading ----

Result<ProtocolPhase> ReadPhase(BorshReader& in, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t index, in.U8(field));
  std::optional<ProtocolPhase> phase = PhaseFromIndex(index);
  if (!phase) return Error::BadInput("unknown phase index " + std::to_string(index));
  return *phase;
}

Status ReadErrorPayload(BorshReader& in, ProtocolError& error) {
  switch (ProtocolErrorShapeOf(error.kind)) {
    case Shape::kUnit:
      return OkStatus();
    case Shape::kText: {
      VIGIL_ASSIGN_OR_RETURN(error.text, in.String(kMaxText, "error text"));
      return OkStatus();
    }
    case Shape::kExpectedActual: {
      VIGIL_ASSIGN_OR_RETURN(error.text, in.String(kMaxText, "expected"));
      VIGIL_ASSIGN_OR_RETURN(error.actual, in.String(kMaxText, "actual"));
      return OkStatus();
    }
    case Shape::kNonces: {
      VIGIL_ASSIGN_OR_RETURN(error.expected_nonce, in.U32("expected"));
      VIGIL_ASSIGN_OR_RETURN(error.actual_nonce, in.U32("actual"));
      return OkStatus();
    }
    case Shape::kPhase: {
      VIGIL_ASSIGN_OR_RETURN(error.phase, ReadPhase(in, "phase"));
      return OkStatus();
    }
    case Shape::kPhasePair: {
      VIGIL_ASSIGN_OR_RETURN(error.phase, ReadPhase(in, "from"));
      VIGIL_ASSIGN_OR_RETURN(error.phase_to, ReadPhase(in, "to"));
      return OkStatus();
    }
    case Shape::kApproval: {
      VIGIL_ASSIGN_OR_RETURN(error.approval, ReadApprovalBorsh(in));
      return OkStatus();
    }
    case Shape::kP256: {
      VIGIL_ASSIGN_OR_RETURN(std::uint8_t index, in.U8("P256Error"));
      if (index >= kP256ErrorKinds) return Error::BadInput("unknown P256Error index");
      error.p256_kind = index;
      if (index < 2) {
        VIGIL_ASSIGN_OR_RETURN(error.text, in.String(kMaxText, "P256Error text"));
      }
      return OkStatus();
    }
  }
  return OkStatus();
}

Result<ProtocolError> ReadError(BorshReader& in) {
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t index, in.U8("ProtocolError"));
  if (index >= kProtocolErrorKinds) {
    return Error::BadInput("unknown ProtocolError index " + std::to_string(index));
  }
  ProtocolError error;
  error.kind = static_cast<ProtocolErrorKind>(index);
  VIGIL_RETURN_IF_ERROR(ReadErrorPayload(in, error));
  return error;
}

Status ReadDescribeNsm(BorshReader& in, NsmResponse& nsm) {
  VIGIL_ASSIGN_OR_RETURN(nsm.version_major, in.U16("version_major"));
  VIGIL_ASSIGN_OR_RETURN(nsm.version_minor, in.U16("version_minor"));
  VIGIL_ASSIGN_OR_RETURN(nsm.version_patch, in.U16("version_patch"));
  VIGIL_ASSIGN_OR_RETURN(nsm.module_id, in.String(kMaxText, "module_id"));
  VIGIL_ASSIGN_OR_RETURN(nsm.max_pcrs, in.U16("max_pcrs"));
  VIGIL_ASSIGN_OR_RETURN(std::size_t count, in.Length(1024, "locked_pcrs"));
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::uint16_t pcr, in.U16("locked_pcrs"));
    // A BTreeSet is written in ascending order, each element once.
    if (!nsm.locked_pcrs.empty() && pcr <= *nsm.locked_pcrs.rbegin()) {
      return Error::BadInput("locked_pcrs is not strictly ascending");
    }
    nsm.locked_pcrs.insert(pcr);
  }
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t digest, in.U8("digest"));
  if (digest > 2) return Error::BadInput("unknown NsmDigest index");
  nsm.digest = static_cast<NsmDigest>(digest);
  return OkStatus();
}

Result<NsmResponse> ReadNsm(BorshReader& in) {
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t index, in.U8("NsmResponse"));
  if (index > static_cast<int>(NsmResponse::Kind::kError)) {
    return Error::BadInput("unknown NsmResponse index " + std::to_string(index));
  }
  NsmResponse nsm;
  nsm.kind = static_cast<NsmResponse::Kind>(index);
  switch (nsm.kind) {
    case NsmResponse::Kind::kDescribePcr: {
      VIGIL_ASSIGN_OR_RETURN(nsm.lock, in.Bool("lock"));
      VIGIL_ASSIGN_OR_RETURN(nsm.data, in.Bytes(kMaxBlob, "data"));
      break;
    }
    case NsmResponse::Kind::kExtendPcr:
    case NsmResponse::Kind::kAttestation:
    case NsmResponse::Kind::kGetRandom: {
      VIGIL_ASSIGN_OR_RETURN(nsm.data, in.Bytes(kMaxBlob, "data"));
      break;
    }
    case NsmResponse::Kind::kDescribeNsm:
      VIGIL_RETURN_IF_ERROR(ReadDescribeNsm(in, nsm));
      break;
    case NsmResponse::Kind::kError: {
      VIGIL_ASSIGN_OR_RETURN(std::uint8_t code, in.U8("NsmErrorCode"));
      if (code > static_cast<int>(NsmErrorCode::kInternalError)) {
        return Error::BadInput("unknown NsmErrorCode index");
      }
      nsm.error = static_cast<NsmErrorCode>(code);
      break;
    }
    default:
      break;
  }
  return nsm;
}

Result<std::optional<ManifestEnvelope>> ReadOptionalEnvelope(BorshReader& in,
                                                             ManifestVersion version) {
  VIGIL_ASSIGN_OR_RETURN(bool some, in.OptionTag("manifest_envelope"));
  if (!some) return std::optional<ManifestEnvelope>();
  VIGIL_ASSIGN_OR_RETURN(ManifestEnvelope envelope, ReadEnvelopeBorsh(in, version));
  return std::optional<ManifestEnvelope>(std::move(envelope));
}

Status ReadJsonEnvelopeRequest(BorshReader& in, ProtocolMsg& msg) {
  VIGIL_ASSIGN_OR_RETURN(std::string json, in.String(kMaxManifestJsonBytes, "manifest_envelope"));
  VIGIL_ASSIGN_OR_RETURN(msg.envelope, ParseEnvelopeJson(json));
  VIGIL_ASSIGN_OR_RETURN(msg.pivot, in.Bytes(kMaxBlob, "pivot"));
  return OkStatus();
}

// Vigil's own variants that Borsh carries (docs/SPEC-quorum.md).
Status ReadVigilFields(BorshReader& in, ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kLiveAttestationDocWithNonceRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.nonce, in.Bytes(kMaxNonceBytes, "nonce"));
      if (msg.nonce.empty())
        return Error::BadInput("a LiveAttestationDocWithNonceRequest's nonce is empty");
      return OkStatus();
    }
    case MessageKind::kTpmActivateCredentialRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.id_object, in.Bytes(kMaxCredentialBytes, "id_object"));
      VIGIL_ASSIGN_OR_RETURN(msg.encrypted_secret,
                             in.Bytes(kMaxCredentialBytes, "encrypted_secret"));
      return CheckCredential(msg);
    }
    case MessageKind::kTpmActivateCredentialResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.secret, in.Bytes(kMaxCredentialSecretBytes, "secret"));
      if (msg.secret.empty()) return Error::BadInput("a credential's secret is empty");
      return OkStatus();
    }
    default:
      return Error::BadInput(std::string(MessageName(msg.kind)) + " is not Vigil's");
  }
}

// The fields of `msg.kind`; an envelope's manifest is read as `version`.
Status ReadFields(BorshReader& in, ProtocolMsg& msg, ManifestVersion version) {
  switch (msg.kind) {
    case MessageKind::kProtocolErrorResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.error, ReadError(in));
      return OkStatus();
    }
    case MessageKind::kStatusResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.phase, ReadPhase(in, "phase"));
      return OkStatus();
    }
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootKeyForwardRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelopeBorsh(in, version));
      VIGIL_ASSIGN_OR_RETURN(msg.pivot, in.Bytes(kMaxBlob, "pivot"));
      return OkStatus();
    }
    case MessageKind::kBootStandardResponse:
    case MessageKind::kBootKeyForwardResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(in));
      return OkStatus();
    }
    case MessageKind::kProvisionRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.share, in.Bytes(kMaxBlob, "share"));
      VIGIL_ASSIGN_OR_RETURN(msg.approval, ReadApprovalBorsh(in));
      return OkStatus();
    }
    case MessageKind::kProvisionResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.reconstructed, in.Bool("reconstructed"));
      return OkStatus();
    }
    case MessageKind::kProxyRequest:
    case MessageKind::kProxyResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.data, in.Bytes(kMaxBlob, "data"));
      return OkStatus();
    }
    case MessageKind::kLiveAttestationDocResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(in));
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadOptionalEnvelope(in, version));
      return OkStatus();
    }
    case MessageKind::kExportKeyRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelopeBorsh(in, version));
      VIGIL_ASSIGN_OR_RETURN(msg.data, in.Bytes(kMaxBlob, "cose_sign1_attestation_doc"));
      return OkStatus();
    }
    case MessageKind::kExportKeyResponse:
    case MessageKind::kInjectKeyRequest: {
      VIGIL_ASSIGN_OR_RETURN(msg.encrypted_quorum_key, in.Bytes(kMaxBlob, "encrypted_quorum_key"));
      VIGIL_ASSIGN_OR_RETURN(msg.signature, in.Bytes(kMaxBlob, "signature"));
      return OkStatus();
    }
    case MessageKind::kManifestEnvelopeResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadOptionalEnvelope(in, version));
      return OkStatus();
    }
    case MessageKind::kVersionResponse: {
      VIGIL_ASSIGN_OR_RETURN(msg.version, in.String(kMaxText, "version"));
      VIGIL_ASSIGN_OR_RETURN(msg.commit, in.String(kMaxText, "commit"));
      return OkStatus();
    }
    case MessageKind::kBootStandardJsonEnvelopeRequest:
      return ReadJsonEnvelopeRequest(in, msg);
    case MessageKind::kLiveAttestationDocWithNonceRequest:
    case MessageKind::kTpmActivateCredentialRequest:
    case MessageKind::kTpmActivateCredentialResponse:
      return ReadVigilFields(in, msg);
    default:  // the unit variants
      return OkStatus();
  }
}

// Whether the kind's Borsh form holds a bare V1/V0 envelope, so both are tried.
bool HoldsBorshEnvelope(MessageKind kind) {
  switch (kind) {
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootKeyForwardRequest:
    case MessageKind::kLiveAttestationDocResponse:
    case MessageKind::kExportKeyRequest:
    case MessageKind::kManifestEnvelopeResponse:
      return true;
    default:
      return false;
  }
}

Result<ProtocolMsg> ReadAs(ByteView bytes, MessageKind kind, ManifestVersion version) {
  BorshReader in(bytes.subspan(1), "a Borsh " + std::string(MessageName(kind)));
  ProtocolMsg msg;
  msg.kind = kind;
  VIGIL_RETURN_IF_ERROR(ReadFields(in, msg, version));
  VIGIL_RETURN_IF_ERROR(in.Finish());
  return msg;
}

}  // namespace

Result<Bytes> EncodeBorshMsg(const ProtocolMsg& msg) {
  BorshWriter out;
  out.U8(static_cast<std::uint8_t>(msg.kind));
  VIGIL_RETURN_IF_ERROR(WriteFields(out, msg));
  return out.Take();
}

Result<ProtocolMsg> DecodeBorshMsg(ByteView bytes) {
  if (bytes.empty()) return Error::BadInput("an empty message");
  std::optional<MessageKind> kind = MessageFromIndex(bytes[0]);
  if (!kind) return Error::BadInput("unknown ProtocolMsg index " + std::to_string(bytes[0]));
  if (*kind == MessageKind::kBootGenesisRequest || *kind == MessageKind::kBootGenesisResponse) {
    return Error::BadInput("genesis messages exist in JSON only (LegacyGenesisNotSupported)");
  }
  if (IsReshardMessage(*kind)) return Error::BadInput("reshard messages exist in JSON only");
  if (!HoldsBorshEnvelope(*kind)) return ReadAs(bytes, *kind, ManifestVersion::kV1);
  Result<ProtocolMsg> v1 = ReadAs(bytes, *kind, ManifestVersion::kV1);
  Result<ProtocolMsg> v0 = ReadAs(bytes, *kind, ManifestVersion::kV0);
  if (v1.ok() && v0.ok()) {
    return Error::BadInput("the message's envelope reads as both V1 and V0: ambiguous, refused");
  }
  if (v0.ok()) return v0;
  return v1;
}

}  // namespace vigil::quorum
