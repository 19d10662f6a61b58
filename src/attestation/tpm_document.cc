#include "attestation/tpm_document.h"

#include <string>

#include "attestation/cbor_value.h"
#include "attestation/cbor_writer.h"
#include "attestation/document.h"

namespace vigil::attestation {
namespace {

constexpr std::string_view kFields[] = {"format",     "module_id", "pcrs",           "quote",
                                        "signature",  "ak_public", "ek_certificate", "event_log",
                                        "public_key", "user_data", "nonce"};
constexpr std::size_t kMaxTpmStructureBytes = 4096;  // a quote, signature or public area

void OptionalBytes(CborWriter& out, const std::optional<Bytes>& value) {
  if (value) {
    out.ByteString(*value);
  } else {
    out.Null();
  }
}

Result<Bytes> BytesField(const CborValue& map, std::string_view key, std::size_t max) {
  const CborValue* value = map.Find(key);
  if (value == nullptr || value->kind != CborValue::Kind::kBytes) {
    return Error::BadInput("TPM document: " + std::string(key) + " must be a byte string");
  }
  if (value->bytes.empty() || value->bytes.size() > max) {
    return Error::BadInput("TPM document: " + std::string(key) + " must be 1 to " +
                           std::to_string(max) + " bytes");
  }
  return value->bytes;
}

Result<std::optional<Bytes>> OptionalField(const CborValue& map, std::string_view key,
                                           std::size_t max) {
  const CborValue* value = map.Find(key);
  if (value != nullptr && value->kind == CborValue::Kind::kNull) return std::optional<Bytes>();
  if (value == nullptr || value->kind != CborValue::Kind::kBytes || value->bytes.size() > max) {
    return Error::BadInput("TPM document: " + std::string(key) + " must be null or at most " +
                           std::to_string(max) + " bytes");
  }
  return std::optional<Bytes>(value->bytes);
}

Result<std::map<int, crypto::Sha256Digest>> PcrsField(const CborValue& map) {
  const CborValue* pcrs = map.Find("pcrs");
  const std::vector<int>& quoted = TpmQuotedPcrs();
  if (pcrs == nullptr || pcrs->kind != CborValue::Kind::kMap ||
      pcrs->keys.size() != quoted.size()) {
    return Error::BadInput("TPM document: pcrs must map each quoted PCR to its value");
  }
  std::map<int, crypto::Sha256Digest> out;
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    const CborValue& key = pcrs->keys[i];
    const CborValue& value = pcrs->values[i];
    if (key.kind != CborValue::Kind::kUnsigned || key.number != static_cast<unsigned>(quoted[i]) ||
        value.kind != CborValue::Kind::kBytes || value.bytes.size() != 32) {
      return Error::BadInput("TPM document: pcrs must hold PCR" + std::to_string(quoted[i]) +
                             " as 32 bytes, in index order");
    }
    std::copy(value.bytes.begin(), value.bytes.end(), out[quoted[i]].begin());
  }
  return out;
}

void Put(ByteView bytes, Bytes& out) {
  const std::uint32_t size = static_cast<std::uint32_t>(bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back((size >> shift) & 0xff);
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace

const std::vector<int>& TpmQuotedPcrs() {
  static const std::vector<int> pcrs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15};
  return pcrs;
}

Bytes EncodeTpmDocument(const TpmDocument& document) {
  CborWriter out;
  out.MapHeader(std::size(kFields));
  out.Text("format");
  out.Text(kTpmDocumentFormat);
  out.Text("module_id");
  out.Text(document.module_id);
  out.Text("pcrs");
  out.MapHeader(document.pcrs.size());
  for (const auto& [index, value] : document.pcrs) {
    out.Unsigned(static_cast<std::uint64_t>(index));
    out.ByteString(value);
  }
  const std::pair<std::string_view, const Bytes*> required[] = {
      {"quote", &document.quote},
      {"signature", &document.signature},
      {"ak_public", &document.ak_public},
      {"ek_certificate", &document.ek_certificate},
      {"event_log", &document.event_log}};
  for (const auto& [key, value] : required) {
    out.Text(key);
    out.ByteString(*value);
  }
  out.Text("public_key");
  OptionalBytes(out, document.public_key);
  out.Text("user_data");
  OptionalBytes(out, document.user_data);
  out.Text("nonce");
  OptionalBytes(out, document.nonce);
  return out.Take();
}

bool LooksLikeTpmDocument(ByteView bytes) {
  // A map (major type 5) whose first key is the text "format".
  return bytes.size() > 8 && (bytes[0] >> 5) == 5 && bytes[1] == 0x66 &&
         AsText(bytes.subspan(2, 6)) == "format";
}

Result<TpmDocument> DecodeTpmDocument(ByteView bytes) {
  if (bytes.size() > kMaxTpmDocumentBytes) {
    return Error::BadInput("TPM document: larger than " + std::to_string(kMaxTpmDocumentBytes) +
                           " bytes");
  }
  VIGIL_ASSIGN_OR_RETURN(CborValue map, ReadCbor(bytes));
  if (map.kind != CborValue::Kind::kMap || map.keys.size() != std::size(kFields)) {
    return Error::BadInput("TPM document: not a map of its " + std::to_string(std::size(kFields)) +
                           " fields");
  }
  for (std::size_t i = 0; i < map.keys.size(); ++i) {
    if (map.keys[i].kind != CborValue::Kind::kText || map.keys[i].text() != kFields[i]) {
      return Error::BadInput("TPM document: field " + std::to_string(i) + " must be " +
                             std::string(kFields[i]));
    }
  }
  const CborValue* format = map.Find("format");
  const CborValue* module = map.Find("module_id");
  if (format->kind != CborValue::Kind::kText || format->text() != kTpmDocumentFormat) {
    return Error::BadInput("TPM document: format must be " + std::string(kTpmDocumentFormat));
  }
  if (module->kind != CborValue::Kind::kText || module->bytes.empty() ||
      module->bytes.size() > 256) {
    return Error::BadInput("TPM document: module_id must be 1 to 256 characters");
  }
  TpmDocument document;
  document.module_id = module->text();
  VIGIL_ASSIGN_OR_RETURN(document.pcrs, PcrsField(map));
  VIGIL_ASSIGN_OR_RETURN(document.quote, BytesField(map, "quote", kMaxTpmStructureBytes));
  VIGIL_ASSIGN_OR_RETURN(document.signature, BytesField(map, "signature", kMaxTpmStructureBytes));
  VIGIL_ASSIGN_OR_RETURN(document.ak_public, BytesField(map, "ak_public", kMaxTpmStructureBytes));
  VIGIL_ASSIGN_OR_RETURN(document.ek_certificate, BytesField(map, "ek_certificate", 8192));
  VIGIL_ASSIGN_OR_RETURN(document.event_log, BytesField(map, "event_log", kMaxEventLogBytes));
  VIGIL_ASSIGN_OR_RETURN(document.public_key, OptionalField(map, "public_key", kMaxPublicKeyBytes));
  VIGIL_ASSIGN_OR_RETURN(document.user_data, OptionalField(map, "user_data", kMaxUserDataBytes));
  VIGIL_ASSIGN_OR_RETURN(document.nonce, OptionalField(map, "nonce", kMaxNonceBytes));
  return document;
}

crypto::Sha256Digest TpmQualifyingData(const AttestationRequest& request) {
  Bytes preimage(kTpmDocumentFormat.begin(), kTpmDocumentFormat.end());
  for (const std::optional<Bytes>* field :
       {&request.user_data, &request.nonce, &request.public_key}) {
    preimage.push_back(field->has_value() ? 1 : 0);
    Put(field->has_value() ? ByteView(**field) : ByteView(), preimage);
  }
  return crypto::Sha256(preimage);
}

}  // namespace vigil::attestation
