// ProtocolMsg in QuorumOS's JSON (docs/SPEC-quorum.md, "Protocol messages"): externally
// tagged; a unit variant is its name as a string, any other an object with one key.
#include <array>
#include <string>

#include "base/hex.h"
#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "quorum/frame.h"
#include "quorum/genesis_json.h"
#include "quorum/manifest_json.h"
#include "quorum/protocol_codec.h"
#include "quorum/qos_json.h"
#include "quorum/reshard_json.h"

namespace vigil::quorum {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using encoding::json_fields::Flag;
using encoding::json_fields::HexField;
using encoding::json_fields::Text;
using encoding::json_fields::Unsigned;
using nlohmann::json;
using Shape = ProtocolErrorShape;

constexpr std::size_t kMaxBlob = kMaxFrameBytes;
constexpr std::size_t kMaxText = 64 * 1024;

constexpr std::array<std::string_view, 8> kNsmNames = {"describePCR", "extendPCR",   "lockPCR",
                                                       "lockPCRs",    "describeNSM", "attestation",
                                                       "getRandom",   "error"};
constexpr std::array<std::string_view, 9> kNsmErrorNames = {
    "Success",          "InvalidArgument", "InvalidIndex",  "InvalidResponse", "ReadOnlyIndex",
    "InvalidOperation", "BufferTooSmall",  "InputTooLarge", "InternalError"};
constexpr std::array<std::string_view, 3> kDigestNames = {"SHA256", "SHA384", "SHA512"};

template <std::size_t N>
std::optional<std::size_t> IndexOf(const std::array<std::string_view, N>& names,
                                   std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return i;
  }
  return std::nullopt;
}

// ---- writing ----

json ErrorJson(const ProtocolError& error) {
  const std::string name(ProtocolErrorName(error.kind));
  switch (ProtocolErrorShapeOf(error.kind)) {
    case Shape::kUnit:
      return name;
    case Shape::kText:
      return json{{name, error.text}};
    case Shape::kExpectedActual:
      return json{{name, {{"expected", error.text}, {"actual", error.actual}}}};
    case Shape::kNonces:
      return json{{name, {{"expected", error.expected_nonce}, {"actual", error.actual_nonce}}}};
    case Shape::kPhase:
      return json{{name, PhaseName(error.phase)}};
    case Shape::kPhasePair:
      return json{{name, json::array({PhaseName(error.phase), PhaseName(error.phase_to)})}};
    case Shape::kApproval:
      return json{{name, error.approval ? ApprovalJsonValue(*error.approval) : json()}};
    case Shape::kP256: {
      const std::string inner(P256ErrorName(error.p256_kind));
      return json{{name, error.p256_kind < 2 ? json{{inner, error.text}} : json(inner)}};
    }
  }
  return name;
}

json NsmJson(const NsmResponse& nsm) {
  const std::string name(kNsmNames[static_cast<std::size_t>(nsm.kind)]);
  switch (nsm.kind) {
    case NsmResponse::Kind::kDescribePcr:
      return json{{name, {{"lock", nsm.lock}, {"data", HexEncode(nsm.data)}}}};
    case NsmResponse::Kind::kExtendPcr:
      return json{{name, {{"data", HexEncode(nsm.data)}}}};
    case NsmResponse::Kind::kAttestation:
      return json{{name, {{"document", HexEncode(nsm.data)}}}};
    case NsmResponse::Kind::kGetRandom:
      return json{{name, {{"random", HexEncode(nsm.data)}}}};
    case NsmResponse::Kind::kDescribeNsm:
      return json{{name,
                   {{"version_major", nsm.version_major},
                    {"version_minor", nsm.version_minor},
                    {"version_patch", nsm.version_patch},
                    {"module_id", nsm.module_id},
                    {"max_pcrs", nsm.max_pcrs},
                    {"locked_pcrs", nsm.locked_pcrs},
                    {"digest", kDigestNames[static_cast<std::size_t>(nsm.digest)]}}}};
    case NsmResponse::Kind::kError:
      return json{{name, kNsmErrorNames[static_cast<std::size_t>(nsm.error)]}};
    default:
      return name;
  }
}

// Vigil's own variants (24 and up; docs/SPEC-quorum.md).
Result<json> VigilFields(const ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kLiveAttestationDocWithNonceRequest:
      if (msg.nonce.empty() || msg.nonce.size() > kMaxNonceBytes) {
        return Error::BadInput("a nonce of 1 to 512 bytes");
      }
      return json{{"nonce", HexEncode(msg.nonce)}};
    case MessageKind::kTpmActivateCredentialRequest:
      VIGIL_RETURN_IF_ERROR(CheckCredential(msg));
      return json{{"id_object", HexEncode(msg.id_object)},
                  {"encrypted_secret", HexEncode(msg.encrypted_secret)}};
    case MessageKind::kTpmActivateCredentialResponse:
      if (msg.secret.empty() || msg.secret.size() > kMaxCredentialSecretBytes) {
        return Error::BadInput("a credential's secret of 1 to 32 bytes");
      }
      return json{{"secret", HexEncode(msg.secret)}};
    case MessageKind::kBootReshardRequest:
      if (!msg.reshard_envelope) return Error::BadInput("a BootReshardRequest lacks its envelope");
      return json{{"reshard_envelope", ReshardEnvelopeJsonValue(*msg.reshard_envelope)}};
    case MessageKind::kBootReshardResponse:
    case MessageKind::kReshardOutputResponse: {
      if (!msg.nsm) return Error::BadInput("the message lacks its nsm_response");
      json out{{"nsm_response", NsmJson(*msg.nsm)}};
      if (msg.kind == MessageKind::kReshardOutputResponse) {
        if (msg.reshard_output.empty())
          return Error::BadInput("a ReshardOutputResponse lacks its output");
        out["reshard_output"] = HexEncode(msg.reshard_output);
      }
      return out;
    }
    default:
      return Error::BadInput(std::string(MessageName(msg.kind)) + " has no JSON form here");
  }
}

Result<json> Fields(const ProtocolMsg& msg) {
  auto need_nsm = [&]() -> Result<json> {
    if (!msg.nsm) return Error::BadInput("the message lacks its nsm_response");
    return NsmJson(*msg.nsm);
  };
  auto need_envelope = [&]() -> Result<json> {
    if (!msg.envelope) return Error::BadInput("the message lacks its manifest envelope");
    return EnvelopeJsonValue(*msg.envelope);
  };
  switch (msg.kind) {
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootKeyForwardRequest: {
      VIGIL_ASSIGN_OR_RETURN(json envelope, need_envelope());
      return json{{"manifest_envelope", envelope}, {"pivot", HexEncode(msg.pivot)}};
    }
    case MessageKind::kBootStandardResponse:
    case MessageKind::kBootKeyForwardResponse: {
      VIGIL_ASSIGN_OR_RETURN(json nsm, need_nsm());
      return json{{"nsm_response", nsm}};
    }
    case MessageKind::kBootGenesisRequest: {
      json out{{"set", GenesisSetJsonValue(msg.genesis_set)}};
      if (msg.dr_key) out["dr_key"] = HexEncode(*msg.dr_key);
      return out;
    }
    case MessageKind::kBootGenesisResponse: {
      VIGIL_ASSIGN_OR_RETURN(json nsm, need_nsm());
      if (!msg.genesis_output) return Error::BadInput("a BootGenesisResponse lacks its output");
      return json{{"nsm_response", nsm},
                  {"genesis_output", GenesisOutputJsonValue(*msg.genesis_output)}};
    }
    case MessageKind::kProvisionRequest:
      if (!msg.approval) return Error::BadInput("a ProvisionRequest lacks its approval");
      return json{{"share", HexEncode(msg.share)}, {"approval", ApprovalJsonValue(*msg.approval)}};
    case MessageKind::kProvisionResponse:
      return json{{"reconstructed", msg.reconstructed}};
    case MessageKind::kProxyRequest:
    case MessageKind::kProxyResponse:
      return json{{"data", HexEncode(msg.data)}};
    case MessageKind::kLiveAttestationDocResponse: {
      VIGIL_ASSIGN_OR_RETURN(json nsm, need_nsm());
      json out{{"nsm_response", nsm}};
      if (msg.envelope) out["manifest_envelope"] = EnvelopeJsonValue(*msg.envelope);
      return out;
    }
    case MessageKind::kExportKeyRequest: {
      VIGIL_ASSIGN_OR_RETURN(json envelope, need_envelope());
      return json{{"manifest_envelope", envelope},
                  {"cose_sign1_attestation_doc", HexEncode(msg.data)}};
    }
    case MessageKind::kExportKeyResponse:
    case MessageKind::kInjectKeyRequest:
      return json{{"encrypted_quorum_key", HexEncode(msg.encrypted_quorum_key)},
                  {"signature", HexEncode(msg.signature)}};
    case MessageKind::kManifestEnvelopeResponse: {
      json out = json::object();
      if (msg.envelope) out["manifest_envelope"] = EnvelopeJsonValue(*msg.envelope);
      return out;
    }
    case MessageKind::kVersionResponse:
      return json{{"version", msg.version}, {"commit", msg.commit}};
    default:
      return VigilFields(msg);
  }
}

bool IsUnit(MessageKind kind) {
  switch (kind) {
    case MessageKind::kStatusRequest:
    case MessageKind::kLiveAttestationDocRequest:
    case MessageKind::kInjectKeyResponse:
    case MessageKind::kManifestEnvelopeRequest:
    case MessageKind::kVersionRequest:
    case MessageKind::kReshardOutputRequest:
      return true;
    default:
      return false;
  }
}

// ---- reading ----

Result<ProtocolPhase> ReadPhase(const json& value, const std::string& path) {
  if (value.is_string()) {
    if (auto phase = PhaseFromName(value.get_ref<const std::string&>())) return *phase;
  }
  return BadAt(path, "must be a phase name (\"WaitingForBootInstruction\", ...)");
}

// A variant written as "Name" (unit) or {"Name": payload}: the name and the payload.
using Variant = std::pair<std::string, const json*>;
Result<Variant> Tagged(const json& value, const std::string& path) {
  if (value.is_string()) return Variant(value.get<std::string>(), nullptr);
  if (value.is_object() && value.size() == 1) return Variant(value.begin().key(), &*value.begin());
  return BadAt(path, "must be a variant name or an object with exactly one key");
}

Status ReadP256(const json* payload, const std::string& path, ProtocolError& error) {
  if (payload == nullptr) return BadAt(path, "needs a P256Error");
  VIGIL_ASSIGN_OR_RETURN(auto tagged, Tagged(*payload, path));
  std::optional<int> index = P256ErrorFromName(tagged.first);
  if (!index || (*index < 2) != (tagged.second != nullptr)) {
    return BadAt(path, "is not a P256Error");
  }
  error.p256_kind = *index;
  if (tagged.second != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(error.text, Text(*tagged.second, path, kMaxText));
  }
  return OkStatus();
}

Status ReadErrorPayload(const json* payload, const std::string& path, ProtocolError& error) {
  const Shape shape = ProtocolErrorShapeOf(error.kind);
  if ((shape == Shape::kUnit) != (payload == nullptr)) {
    return BadAt(path, shape == Shape::kUnit ? "takes no details" : "needs its details");
  }
  switch (shape) {
    case Shape::kUnit:
      return OkStatus();
    case Shape::kText: {
      VIGIL_ASSIGN_OR_RETURN(error.text, Text(*payload, path, kMaxText));
      return OkStatus();
    }
    case Shape::kExpectedActual: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(*payload, path, {"expected", "actual"}));
      VIGIL_ASSIGN_OR_RETURN(error.text, Text((*payload)["expected"], path, kMaxText));
      VIGIL_ASSIGN_OR_RETURN(error.actual, Text((*payload)["actual"], path, kMaxText));
      return OkStatus();
    }
    case Shape::kNonces: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(*payload, path, {"expected", "actual"}));
      VIGIL_ASSIGN_OR_RETURN(auto expected, Unsigned((*payload)["expected"], path, UINT32_MAX));
      VIGIL_ASSIGN_OR_RETURN(auto actual, Unsigned((*payload)["actual"], path, UINT32_MAX));
      error.expected_nonce = static_cast<std::uint32_t>(expected);
      error.actual_nonce = static_cast<std::uint32_t>(actual);
      return OkStatus();
    }
    case Shape::kPhase: {
      VIGIL_ASSIGN_OR_RETURN(error.phase, ReadPhase(*payload, path));
      return OkStatus();
    }
    case Shape::kPhasePair: {
      if (!payload->is_array() || payload->size() != 2) return BadAt(path, "needs two phases");
      VIGIL_ASSIGN_OR_RETURN(error.phase, ReadPhase((*payload)[0], path + "[0]"));
      VIGIL_ASSIGN_OR_RETURN(error.phase_to, ReadPhase((*payload)[1], path + "[1]"));
      return OkStatus();
    }
    case Shape::kApproval: {
      VIGIL_ASSIGN_OR_RETURN(error.approval, ReadApprovalJsonValue(*payload, path));
      return OkStatus();
    }
    case Shape::kP256:
      return ReadP256(payload, path, error);
  }
  return OkStatus();
}

Result<ProtocolError> ReadError(const json& value, const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(auto tagged, Tagged(value, path));
  std::optional<ProtocolErrorKind> kind = ProtocolErrorFromName(tagged.first);
  if (!kind) return BadAt(path, "unknown ProtocolError \"" + tagged.first + "\"");
  ProtocolError error;
  error.kind = *kind;
  VIGIL_RETURN_IF_ERROR(ReadErrorPayload(tagged.second, path + "." + tagged.first, error));
  return error;
}

Status ReadDescribeNsm(const json& v, const std::string& path, NsmResponse& nsm) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, path,
                                  {"version_major", "version_minor", "version_patch", "module_id",
                                   "max_pcrs", "locked_pcrs", "digest"}));
  std::uint16_t* fields[] = {&nsm.version_major, &nsm.version_minor, &nsm.version_patch,
                             &nsm.max_pcrs};
  const char* names[] = {"version_major", "version_minor", "version_patch", "max_pcrs"};
  for (int i = 0; i < 4; ++i) {
    VIGIL_ASSIGN_OR_RETURN(auto n, Unsigned(v[names[i]], path + "." + names[i], UINT16_MAX));
    *fields[i] = static_cast<std::uint16_t>(n);
  }
  VIGIL_ASSIGN_OR_RETURN(nsm.module_id, Text(v["module_id"], path + ".module_id", kMaxText));
  const json& locked = v["locked_pcrs"];
  if (!locked.is_array() || locked.size() > 1024) return BadAt(path, "locked_pcrs: not a list");
  for (const json& pcr : locked) {
    VIGIL_ASSIGN_OR_RETURN(auto n, Unsigned(pcr, path + ".locked_pcrs", UINT16_MAX));
    if (!nsm.locked_pcrs.insert(static_cast<std::uint16_t>(n)).second) {
      return BadAt(path, "locked_pcrs names a register twice");
    }
  }
  const json& digest = v["digest"];
  auto index = digest.is_string() ? IndexOf(kDigestNames, digest.get<std::string>()) : std::nullopt;
  if (!index) return BadAt(path + ".digest", "must be SHA256, SHA384 or SHA512");
  nsm.digest = static_cast<NsmDigest>(*index);
  return OkStatus();
}

Status ReadNsmBlob(const json* payload, const std::string& path, const char* key, Bytes& out) {
  if (payload == nullptr) return BadAt(path, "needs its fields");
  VIGIL_RETURN_IF_ERROR(CheckKeys(*payload, path, {key}));
  VIGIL_ASSIGN_OR_RETURN(out, HexField((*payload)[key], path + "." + key, kMaxBlob));
  return OkStatus();
}

Status ReadNsmPayload(const json* p, const std::string& path, NsmResponse& nsm) {
  using Kind = NsmResponse::Kind;
  const bool unit = nsm.kind == Kind::kLockPcr || nsm.kind == Kind::kLockPcrs;
  if (unit != (p == nullptr)) return BadAt(path, unit ? "takes no fields" : "needs its fields");
  switch (nsm.kind) {
    case Kind::kDescribePcr: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(*p, path, {"lock", "data"}));
      VIGIL_ASSIGN_OR_RETURN(nsm.lock, Flag((*p)["lock"], path + ".lock"));
      VIGIL_ASSIGN_OR_RETURN(nsm.data, HexField((*p)["data"], path + ".data", kMaxBlob));
      return OkStatus();
    }
    case Kind::kExtendPcr:
      return ReadNsmBlob(p, path, "data", nsm.data);
    case Kind::kAttestation:
      return ReadNsmBlob(p, path, "document", nsm.data);
    case Kind::kGetRandom:
      return ReadNsmBlob(p, path, "random", nsm.data);
    case Kind::kDescribeNsm:
      return ReadDescribeNsm(*p, path, nsm);
    case Kind::kError: {
      auto index = p->is_string() ? IndexOf(kNsmErrorNames, p->get<std::string>()) : std::nullopt;
      if (!index) return BadAt(path, "is not an NsmErrorCode");
      nsm.error = static_cast<NsmErrorCode>(*index);
      return OkStatus();
    }
    default:
      return OkStatus();
  }
}

Result<NsmResponse> ReadNsm(const json& value, const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(auto tagged, Tagged(value, path));
  auto index = IndexOf(kNsmNames, tagged.first);
  if (!index) return BadAt(path, "unknown NsmResponse \"" + tagged.first + "\"");
  NsmResponse nsm;
  nsm.kind = static_cast<NsmResponse::Kind>(*index);
  VIGIL_RETURN_IF_ERROR(ReadNsmPayload(tagged.second, path + "." + tagged.first, nsm));
  return nsm;
}

Result<ManifestEnvelope> ReadEnvelope(const json& value) {
  Result<ManifestEnvelope> envelope = ReadEnvelopeJsonValue(value);
  if (!envelope.ok()) return envelope.error().WithContext("manifest_envelope");
  return envelope;
}

// Vigil's own variants (24 and up).
Status ReadVigilFields(const json& v, const std::string& p, ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kLiveAttestationDocWithNonceRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nonce"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nonce, HexField(v["nonce"], p + ".nonce", kMaxNonceBytes));
      if (msg.nonce.empty()) return BadAt(p + ".nonce", "must not be empty");
      return OkStatus();
    }
    case MessageKind::kTpmActivateCredentialRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"id_object", "encrypted_secret"}));
      VIGIL_ASSIGN_OR_RETURN(msg.id_object,
                             HexField(v["id_object"], p + ".id_object", kMaxCredentialBytes));
      VIGIL_ASSIGN_OR_RETURN(
          msg.encrypted_secret,
          HexField(v["encrypted_secret"], p + ".encrypted_secret", kMaxCredentialBytes));
      return CheckCredential(msg);
    }
    case MessageKind::kTpmActivateCredentialResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"secret"}));
      VIGIL_ASSIGN_OR_RETURN(msg.secret,
                             HexField(v["secret"], p + ".secret", kMaxCredentialSecretBytes));
      if (msg.secret.empty()) return BadAt(p + ".secret", "must not be empty");
      return OkStatus();
    }
    case MessageKind::kBootReshardRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"reshard_envelope"}));
      VIGIL_ASSIGN_OR_RETURN(
          msg.reshard_envelope,
          ReadReshardEnvelopeJsonValue(v["reshard_envelope"], p + ".reshard_envelope"));
      return OkStatus();
    }
    case MessageKind::kBootReshardResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nsm_response"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(v["nsm_response"], p + ".nsm_response"));
      return OkStatus();
    }
    case MessageKind::kReshardOutputResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nsm_response", "reshard_output"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(v["nsm_response"], p + ".nsm_response"));
      VIGIL_ASSIGN_OR_RETURN(
          msg.reshard_output,
          HexField(v["reshard_output"], p + ".reshard_output", kMaxReshardOutputBytes));
      if (msg.reshard_output.empty()) return BadAt(p + ".reshard_output", "must not be empty");
      return OkStatus();
    }
    default:
      return BadAt(p, std::string(MessageName(msg.kind)) + " is not a JSON message");
  }
}

// The rest of ReadFields.
Status ReadMoreFields(const json& v, const std::string& p, ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kLiveAttestationDocResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nsm_response"}, {"manifest_envelope"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(v["nsm_response"], p + ".nsm_response"));
      if (v.contains("manifest_envelope") && !v["manifest_envelope"].is_null()) {
        VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelope(v["manifest_envelope"]));
      }
      return OkStatus();
    }
    case MessageKind::kExportKeyRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"manifest_envelope", "cose_sign1_attestation_doc"}));
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelope(v["manifest_envelope"]));
      VIGIL_ASSIGN_OR_RETURN(msg.data, HexField(v["cose_sign1_attestation_doc"],
                                                p + ".cose_sign1_attestation_doc", kMaxBlob));
      return OkStatus();
    }
    case MessageKind::kExportKeyResponse:
    case MessageKind::kInjectKeyRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"encrypted_quorum_key", "signature"}));
      VIGIL_ASSIGN_OR_RETURN(
          msg.encrypted_quorum_key,
          HexField(v["encrypted_quorum_key"], p + ".encrypted_quorum_key", kMaxBlob));
      VIGIL_ASSIGN_OR_RETURN(msg.signature, HexField(v["signature"], p + ".signature", kMaxBlob));
      return OkStatus();
    }
    case MessageKind::kManifestEnvelopeResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {}, {"manifest_envelope"}));
      if (v.contains("manifest_envelope") && !v["manifest_envelope"].is_null()) {
        VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelope(v["manifest_envelope"]));
      }
      return OkStatus();
    }
    case MessageKind::kVersionResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"version", "commit"}));
      VIGIL_ASSIGN_OR_RETURN(msg.version, Text(v["version"], p + ".version", kMaxText));
      VIGIL_ASSIGN_OR_RETURN(msg.commit, Text(v["commit"], p + ".commit", kMaxText));
      return OkStatus();
    }
    default:
      return ReadVigilFields(v, p, msg);
  }
}

// The fields of a struct variant; `v` is its object, `p` the path.
Status ReadFields(const json& v, const std::string& p, ProtocolMsg& msg) {
  switch (msg.kind) {
    case MessageKind::kBootStandardRequest:
    case MessageKind::kBootKeyForwardRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"manifest_envelope", "pivot"}));
      VIGIL_ASSIGN_OR_RETURN(msg.envelope, ReadEnvelope(v["manifest_envelope"]));
      VIGIL_ASSIGN_OR_RETURN(msg.pivot, HexField(v["pivot"], p + ".pivot", kMaxBlob));
      return OkStatus();
    }
    case MessageKind::kBootStandardResponse:
    case MessageKind::kBootKeyForwardResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nsm_response"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(v["nsm_response"], p + ".nsm_response"));
      return OkStatus();
    }
    case MessageKind::kBootGenesisRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"set"}, {"dr_key"}));
      VIGIL_ASSIGN_OR_RETURN(msg.genesis_set, ReadGenesisSetJsonValue(v["set"], p + ".set"));
      if (v.contains("dr_key") && !v["dr_key"].is_null()) {
        VIGIL_ASSIGN_OR_RETURN(msg.dr_key, HexField(v["dr_key"], p + ".dr_key", kMaxKeyBytes));
      }
      return OkStatus();
    }
    case MessageKind::kBootGenesisResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"nsm_response", "genesis_output"}));
      VIGIL_ASSIGN_OR_RETURN(msg.nsm, ReadNsm(v["nsm_response"], p + ".nsm_response"));
      VIGIL_ASSIGN_OR_RETURN(msg.genesis_output, ReadGenesisOutputJsonValue(v["genesis_output"],
                                                                            p + ".genesis_output"));
      return OkStatus();
    }
    case MessageKind::kProvisionRequest: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"share", "approval"}));
      VIGIL_ASSIGN_OR_RETURN(msg.share, HexField(v["share"], p + ".share", kMaxBlob));
      VIGIL_ASSIGN_OR_RETURN(msg.approval, ReadApprovalJsonValue(v["approval"], p + ".approval"));
      return OkStatus();
    }
    case MessageKind::kProvisionResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"reconstructed"}));
      VIGIL_ASSIGN_OR_RETURN(msg.reconstructed, Flag(v["reconstructed"], p + ".reconstructed"));
      return OkStatus();
    }
    case MessageKind::kProxyRequest:
    case MessageKind::kProxyResponse: {
      VIGIL_RETURN_IF_ERROR(CheckKeys(v, p, {"data"}));
      VIGIL_ASSIGN_OR_RETURN(msg.data, HexField(v["data"], p + ".data", kMaxBlob));
      return OkStatus();
    }
    default:
      return ReadMoreFields(v, p, msg);
  }
}

Result<ProtocolMsg> ReadMsg(const json& value) {
  VIGIL_ASSIGN_OR_RETURN(auto tagged, Tagged(value, "$"));
  std::optional<MessageKind> kind = MessageFromName(tagged.first);
  if (!kind || *kind == MessageKind::kBootStandardJsonEnvelopeRequest) {
    return BadAt("$", "unknown message \"" + tagged.first + "\"");
  }
  ProtocolMsg msg;
  msg.kind = *kind;
  const std::string path = "$." + tagged.first;
  if (IsUnit(*kind)) {
    if (tagged.second != nullptr) return BadAt(path, "takes no fields");
    return msg;
  }
  if (tagged.second == nullptr) return BadAt(path, "needs its fields");
  const json& payload = *tagged.second;
  if (*kind == MessageKind::kProtocolErrorResponse) {
    VIGIL_ASSIGN_OR_RETURN(msg.error, ReadError(payload, path));
  } else if (*kind == MessageKind::kStatusResponse) {
    VIGIL_ASSIGN_OR_RETURN(msg.phase, ReadPhase(payload, path));
  } else {
    VIGIL_RETURN_IF_ERROR(ReadFields(payload, path, msg));
  }
  return msg;
}

}  // namespace

Result<std::string> EncodeJsonMsg(const ProtocolMsg& msg) {
  json value;
  if (IsUnit(msg.kind)) {
    value = MessageName(msg.kind);
  } else if (msg.kind == MessageKind::kProtocolErrorResponse) {
    value = json{{MessageName(msg.kind), ErrorJson(msg.error)}};
  } else if (msg.kind == MessageKind::kStatusResponse) {
    value = json{{MessageName(msg.kind), PhaseName(msg.phase)}};
  } else {
    VIGIL_ASSIGN_OR_RETURN(json fields, Fields(msg));
    value = json{{MessageName(msg.kind), std::move(fields)}};
  }
  return quorum::qos_json::Serialize(value);
}

Result<ProtocolMsg> DecodeJsonMsg(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, encoding::ParseStrictJson(text, "a JSON message", 16));
  return ReadMsg(value);
}

}  // namespace vigil::quorum
