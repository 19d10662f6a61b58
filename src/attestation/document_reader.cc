#include "attestation/document_reader.h"

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "attestation/cbor_value.h"
#include "attestation/document_writer.h"
#include "base/utf8.h"

namespace vigil::attestation {
namespace {

constexpr std::uint64_t kCoseSign1Tag = 18;

Error Bad(std::string_view what) { return Error::Failed("syntax: " + std::string(what)); }

// One complete, definite-length item using every byte, read by cbor_value.h's strict reader
// (counts bounded by the bytes left, at most 16 levels, no indefinite lengths).
Result<CborValue> Load(ByteView bytes, std::string_view what) {
  Result<CborValue> value = ReadCbor(bytes);
  if (value.ok()) return value;
  if (value.error().message().find("bytes after the value") != std::string::npos) {
    return Bad(std::string(what) + " has bytes after its end");
  }
  return Bad(std::string(what) + " is malformed: " + value.error().message());
}

Result<Bytes> ByteString(const CborValue& item, std::size_t min, std::size_t max,
                         std::string_view field) {
  if (item.kind != CborValue::Kind::kBytes) {
    return Bad(std::string(field) + " is not a byte string");
  }
  const std::size_t size = item.bytes.size();
  if (size < min || size > max) {
    return Bad(std::string(field) + " is " + std::to_string(size) + " bytes; it must be " +
               std::to_string(min) + " to " + std::to_string(max));
  }
  return item.bytes;
}

Result<std::string> Text(const CborValue& item, std::string_view field) {
  if (item.kind != CborValue::Kind::kText) return Bad(std::string(field) + " is not a text string");
  std::string text = item.text();
  if (!IsValidUtf8(text)) return Bad(std::string(field) + " is not UTF-8");
  return text;
}

Result<std::uint64_t> Unsigned(const CborValue& item, std::string_view field) {
  if (item.kind != CborValue::Kind::kUnsigned) {
    return Bad(std::string(field) + " is not an unsigned integer");
  }
  return item.number;
}

Result<std::optional<Bytes>> OptionalBytes(const CborValue& item, std::size_t max,
                                           std::string_view field) {
  if (item.kind == CborValue::Kind::kNull) return std::optional<Bytes>();
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ByteString(item, 1, max, field));
  return std::optional<Bytes>(std::move(bytes));
}

Result<std::map<int, Bytes>> Pcrs(const CborValue& item) {
  if (item.kind != CborValue::Kind::kMap) return Bad("pcrs is not a map");
  const std::size_t count = item.keys.size();
  if (count < 1 || count > kMaxPcrs) {
    return Bad("pcrs holds " + std::to_string(count) + " registers; it must hold 1 to 32");
  }
  std::map<int, Bytes> pcrs;
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t index, Unsigned(item.keys[i], "a PCR index"));
    if (index >= kMaxPcrs) return Bad("PCR index " + std::to_string(index) + " is over 31");
    VIGIL_ASSIGN_OR_RETURN(Bytes value, ByteString(item.values[i], 32, 64, "a PCR value"));
    if (value.size() != 32 && value.size() != 48 && value.size() != 64) {
      return Bad("PCR" + std::to_string(index) + " is " + std::to_string(value.size()) +
                 " bytes; it must be 32, 48 or 64");
    }
    if (!pcrs.emplace(static_cast<int>(index), std::move(value)).second) {
      return Bad("PCR" + std::to_string(index) + " is given twice");
    }
  }
  return pcrs;
}

Result<std::vector<Bytes>> Cabundle(const CborValue& item) {
  if (item.kind != CborValue::Kind::kArray) return Bad("cabundle is not an array");
  const std::size_t count = item.items.size();
  if (count < 1 || count > 16) {
    return Bad("cabundle holds " + std::to_string(count) + " certificates; it must hold 1 to 16");
  }
  std::vector<Bytes> bundle;
  for (const CborValue& entry : item.items) {
    VIGIL_ASSIGN_OR_RETURN(Bytes cert,
                           ByteString(entry, 1, kMaxCertificateBytes, "a cabundle entry"));
    bundle.push_back(std::move(cert));
  }
  return bundle;
}

// Stores one payload field; BadInput-free: every problem is a syntax failure.
Status ReadField(std::string_view key, const CborValue& value, AttestationDocument& out) {
  if (key == "module_id") {
    VIGIL_ASSIGN_OR_RETURN(out.module_id, Text(value, "module_id"));
    if (out.module_id.empty()) return Bad("module_id is empty");
  } else if (key == "digest") {
    VIGIL_ASSIGN_OR_RETURN(out.digest, Text(value, "digest"));
    if (out.digest != "SHA384") return Bad("digest is '" + out.digest + "', not SHA384");
  } else if (key == "timestamp") {
    VIGIL_ASSIGN_OR_RETURN(out.timestamp_ms, Unsigned(value, "timestamp"));
    if (out.timestamp_ms == 0) return Bad("timestamp is 0");
  } else if (key == "pcrs") {
    VIGIL_ASSIGN_OR_RETURN(out.pcrs, Pcrs(value));
  } else if (key == "certificate") {
    VIGIL_ASSIGN_OR_RETURN(out.certificate,
                           ByteString(value, 1, kMaxCertificateBytes, "certificate"));
  } else if (key == "cabundle") {
    VIGIL_ASSIGN_OR_RETURN(out.cabundle, Cabundle(value));
  } else if (key == "public_key") {
    VIGIL_ASSIGN_OR_RETURN(out.public_key, OptionalBytes(value, kMaxPublicKeyBytes, key));
  } else if (key == "user_data") {
    VIGIL_ASSIGN_OR_RETURN(out.user_data, OptionalBytes(value, kMaxUserDataBytes, key));
  } else if (key == "nonce") {
    VIGIL_ASSIGN_OR_RETURN(out.nonce, OptionalBytes(value, kMaxNonceBytes, key));
  } else {
    return Bad("the payload has an unknown key '" + std::string(key) + "'");
  }
  return OkStatus();
}

}  // namespace

Result<CoseSign1> ReadCoseSign1(ByteView document) {
  if (document.size() > kMaxDocumentBytes) {
    return Bad("the document is " + std::to_string(document.size()) + " bytes, over the bound of " +
               std::to_string(kMaxDocumentBytes));
  }
  // Tag 18 is read here: the strict reader takes no tags.
  if (!document.empty() && document[0] >> 5 == 6) {
    if (document[0] != 0xc0 + kCoseSign1Tag) {
      return Bad("the document is tagged, and not with 18 (COSE_Sign1)");
    }
    document = document.subspan(1);
  }
  // Checked first, so that another file is named as such rather than as broken CBOR.
  if (document.empty() || document[0] != 0x84) {
    return Bad(
        "the document is not a COSE_Sign1 (a CBOR array of 4, tagged 18 or not): "
        "is this file an attestation document?");
  }
  VIGIL_ASSIGN_OR_RETURN(CborValue array, Load(document, "the document"));
  if (array.kind != CborValue::Kind::kArray || array.items.size() != 4) {
    return Bad("the document is not a COSE_Sign1 (an array of 4)");
  }
  const std::vector<CborValue>& parts = array.items;
  VIGIL_ASSIGN_OR_RETURN(Bytes header, ByteString(parts[0], 0, 64, "the protected header"));
  if (header != Es384ProtectedHeader()) {
    return Bad("the protected header is not {1: -35} (ES384)");
  }
  if (parts[1].kind != CborValue::Kind::kMap || !parts[1].keys.empty()) {
    return Bad("the unprotected header is not an empty map");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes payload, ByteString(parts[2], 1, kMaxDocumentBytes, "payload"));
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, ByteString(parts[3], 96, 96, "the signature"));
  return CoseSign1{.protected_header = std::move(header),
                   .payload = std::move(payload),
                   .signature = std::move(signature)};
}

Result<AttestationDocument> ReadPayload(ByteView payload) {
  VIGIL_ASSIGN_OR_RETURN(CborValue map, Load(payload, "the payload"));
  if (map.kind != CborValue::Kind::kMap) return Bad("the payload is not a map");
  AttestationDocument out;
  out.digest.clear();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < map.keys.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::string key, Text(map.keys[i], "a payload key"));
    if (!seen.insert(key).second) return Bad("the payload gives '" + key + "' twice");
    VIGIL_RETURN_IF_ERROR(ReadField(key, map.values[i], out));
  }
  for (const char* required :
       {"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"}) {
    if (!seen.contains(required)) {
      return Bad("the payload has no '" + std::string(required) + "'");
    }
  }
  return out;
}

}  // namespace vigil::attestation
