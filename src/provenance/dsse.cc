#include "provenance/dsse.h"

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "encoding/strict_json.h"

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;

Result<Bytes> DecodeField(const Json& value, std::string_view what) {
  if (!value.is_string()) return Error::BadInput(std::string(what) + " must be a string");
  auto decoded = Base64Decode(value.get_ref<const std::string&>());
  if (!decoded.ok()) {
    return Error::BadInput(std::string(what) + " is not canonical standard base64");
  }
  return decoded;
}

bool HasExactly(const Json& object, std::initializer_list<std::string_view> keys) {
  if (!object.is_object() || object.size() != keys.size()) return false;
  for (std::string_view key : keys) {
    if (!object.contains(key)) return false;
  }
  return true;
}

}  // namespace

Bytes PreAuthEncoding(std::string_view payload_type, ByteView payload) {
  const std::string head = "DSSEv1 " + std::to_string(payload_type.size()) + " " +
                           std::string(payload_type) + " " + std::to_string(payload.size()) + " ";
  Bytes out(head.begin(), head.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

std::string SerializeEnvelope(const DsseEnvelope& envelope) {
  Json signatures = Json::array();
  for (const DsseSignature& signature : envelope.signatures) {
    signatures.push_back({{"keyid", signature.keyid}, {"sig", Base64Encode(signature.sig)}});
  }
  return Json{{"payload", Base64Encode(envelope.payload)},
              {"payloadType", envelope.payload_type},
              {"signatures", signatures}}
      .dump();
}

Result<DsseEnvelope> ParseEnvelope(std::string_view text) {
  if (text.size() > kMaxEnvelopeSize) {
    return Error::BadInput("the envelope is over " + std::to_string(kMaxEnvelopeSize) + " bytes");
  }
  // Strict: with two "payload" keys, or bytes after a NUL, another reader could see another
  // envelope than the one verified here.
  VIGIL_ASSIGN_OR_RETURN(const Json json,
                         encoding::ParseStrictJson(text, "the envelope", kMaxEnvelopeDepth));
  if (!HasExactly(json, {"payload", "payloadType", "signatures"})) {
    return Error::BadInput(
        "the envelope must be an object with exactly payload, payloadType and signatures");
  }
  DsseEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.payload, DecodeField(json["payload"], "payload"));
  if (!json["payloadType"].is_string()) return Error::BadInput("payloadType must be a string");
  envelope.payload_type = json["payloadType"].get<std::string>();
  const Json& signatures = json["signatures"];
  if (!signatures.is_array() || signatures.empty() || signatures.size() > kMaxEnvelopeSignatures) {
    return Error::BadInput("signatures must be an array of 1 to " +
                           std::to_string(kMaxEnvelopeSignatures) + " entries");
  }
  for (const Json& entry : signatures) {
    if (!HasExactly(entry, {"keyid", "sig"}) || !entry["keyid"].is_string()) {
      return Error::BadInput("each signature must be an object with exactly keyid and sig");
    }
    DsseSignature signature;
    signature.keyid = entry["keyid"].get<std::string>();
    VIGIL_ASSIGN_OR_RETURN(signature.sig, DecodeField(entry["sig"], "sig"));
    envelope.signatures.push_back(std::move(signature));
  }
  return envelope;
}

Status VerifyEnvelope(const DsseEnvelope& envelope, const crypto::PublicKey& key) {
  const std::string keyid = key.KeyId();
  const Bytes pae = PreAuthEncoding(envelope.payload_type, envelope.payload);
  bool named = false;
  for (const DsseSignature& signature : envelope.signatures) {
    if (signature.keyid != keyid) continue;
    named = true;
    if (key.Verify(pae, signature.sig).ok()) return OkStatus();
  }
  if (!named) {
    return Error::Failed("the envelope has no signature by key " + keyid.substr(0, 16) + "...");
  }
  return Error::Failed("the envelope's signature by key " + keyid.substr(0, 16) +
                       "... does not verify: the envelope was altered or signed by another key");
}

}  // namespace vigil::provenance
