#include "attestation/document_reader.h"

#include <cbor.h>

#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "attestation/document_writer.h"
#include "base/utf8.h"

namespace vigil::attestation {
namespace {

constexpr std::uint64_t kCoseSign1Tag = 18;

struct ItemDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

Error Bad(std::string_view what) { return Error::Failed("syntax: " + std::string(what)); }

constexpr int kMaxDepth = 16;

// Walks the heads of one item before libcbor sees it: every length and count must fit in the
// bytes left (an element takes at least one byte), nothing may be indefinite-length (libcbor
// 0.8 accepts that) and nesting stops at kMaxDepth. libcbor 0.8 allocates an array's or a
// map's storage from its declared count before reading any element, so an unchecked count
// of 2^60 is an allocation of that size.
Status WalkHeads(ByteView bytes, std::size_t& pos, int depth) {
  if (depth > kMaxDepth) return Error::Failed("nesting deeper than " + std::to_string(kMaxDepth));
  if (pos >= bytes.size()) return Error::Failed("truncated CBOR");
  const std::uint8_t initial = bytes[pos++];
  const int major = initial >> 5, info = initial & 31;
  std::uint64_t value = info;
  if (info >= 24 && info <= 27) {
    const std::size_t size = std::size_t{1} << (info - 24);
    if (bytes.size() - pos < size) return Error::Failed("truncated CBOR");
    value = 0;
    for (std::size_t i = 0; i < size; ++i) value = value << 8 | bytes[pos++];
  } else if (info > 27) {
    return Error::Failed(info == 31 ? "an indefinite length" : "a reserved CBOR head");
  }
  const std::uint64_t left = bytes.size() - pos;
  switch (major) {
    case 2:
    case 3:
      if (value > left) return Error::Failed("a string longer than the bytes left");
      pos += static_cast<std::size_t>(value);
      return OkStatus();
    case 4:
    case 5: {
      const std::uint64_t items = major == 5 ? 2 * value : value;
      if (value > left || items > left) return Error::Failed("more elements than bytes left");
      for (std::uint64_t i = 0; i < items; ++i) {
        VIGIL_RETURN_IF_ERROR(WalkHeads(bytes, pos, depth + 1));
      }
      return OkStatus();
    }
    case 6:
      return WalkHeads(bytes, pos, depth + 1);
    default:  // integers, simple values, floats
      return OkStatus();
  }
}

// One complete, definite-length item using every byte.
Result<Item> Load(ByteView bytes, std::string_view what) {
  std::size_t end = 0;
  Status heads = WalkHeads(bytes, end, 0);
  if (!heads.ok()) return Bad(std::string(what) + " is malformed: " + heads.error().message());
  cbor_load_result result{};
  Item item(cbor_load(bytes.data(), bytes.size(), &result));
  if (!item || result.error.code != CBOR_ERR_NONE) {
    return Bad(std::string(what) + " is not well-formed CBOR (at byte " +
               std::to_string(result.error.position) + ")");
  }
  if (result.read != bytes.size()) {
    return Bad(std::string(what) + " has " + std::to_string(bytes.size() - result.read) +
               " bytes after its end");
  }
  return item;
}

Result<Bytes> ByteString(const cbor_item_t* item, std::size_t min, std::size_t max,
                         std::string_view field) {
  if (!cbor_isa_bytestring(item)) return Bad(std::string(field) + " is not a byte string");
  const std::size_t size = cbor_bytestring_length(item);
  if (size < min || size > max) {
    return Bad(std::string(field) + " is " + std::to_string(size) + " bytes; it must be " +
               std::to_string(min) + " to " + std::to_string(max));
  }
  const unsigned char* data = cbor_bytestring_handle(item);
  return Bytes(data, data + size);
}

Result<std::string> Text(const cbor_item_t* item, std::string_view field) {
  if (!cbor_isa_string(item)) return Bad(std::string(field) + " is not a text string");
  std::string text(reinterpret_cast<const char*>(cbor_string_handle(item)),
                   cbor_string_length(item));
  if (!IsValidUtf8(text)) return Bad(std::string(field) + " is not UTF-8");
  return text;
}

Result<std::uint64_t> Unsigned(const cbor_item_t* item, std::string_view field) {
  if (!cbor_isa_uint(item)) return Bad(std::string(field) + " is not an unsigned integer");
  return cbor_get_int(item);
}

bool IsNull(const cbor_item_t* item) { return cbor_is_null(item); }

Result<std::optional<Bytes>> OptionalBytes(const cbor_item_t* item, std::size_t max,
                                           std::string_view field) {
  if (IsNull(item)) return std::optional<Bytes>();
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ByteString(item, 1, max, field));
  return std::optional<Bytes>(std::move(bytes));
}

Result<std::map<int, Bytes>> Pcrs(const cbor_item_t* item) {
  if (!cbor_isa_map(item)) return Bad("pcrs is not a map");
  const std::size_t count = cbor_map_size(item);
  if (count < 1 || count > kMaxPcrs) {
    return Bad("pcrs holds " + std::to_string(count) + " registers; it must hold 1 to 32");
  }
  std::map<int, Bytes> pcrs;
  for (std::size_t i = 0; i < count; ++i) {
    const cbor_pair& pair = cbor_map_handle(item)[i];
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t index, Unsigned(pair.key, "a PCR index"));
    if (index >= kMaxPcrs) return Bad("PCR index " + std::to_string(index) + " is over 31");
    VIGIL_ASSIGN_OR_RETURN(Bytes value, ByteString(pair.value, 32, 64, "a PCR value"));
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

Result<std::vector<Bytes>> Cabundle(const cbor_item_t* item) {
  if (!cbor_isa_array(item)) return Bad("cabundle is not an array");
  const std::size_t count = cbor_array_size(item);
  if (count < 1 || count > 16) {
    return Bad("cabundle holds " + std::to_string(count) + " certificates; it must hold 1 to 16");
  }
  std::vector<Bytes> bundle;
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(Bytes cert, ByteString(cbor_array_handle(item)[i], 1,
                                                  kMaxCertificateBytes, "a cabundle entry"));
    bundle.push_back(std::move(cert));
  }
  return bundle;
}

// Stores one payload field; BadInput-free: every problem is a syntax failure.
Status ReadField(std::string_view key, const cbor_item_t* value, AttestationDocument& out) {
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
  // Tag 18 is read here: libcbor 0.8 refuses tags 18 to 20 as malformed.
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
  VIGIL_ASSIGN_OR_RETURN(Item array, Load(document, "the document"));
  if (!cbor_isa_array(array.get()) || cbor_array_size(array.get()) != 4) {
    return Bad("the document is not a COSE_Sign1 (an array of 4)");
  }
  cbor_item_t** parts = cbor_array_handle(array.get());
  VIGIL_ASSIGN_OR_RETURN(Bytes header, ByteString(parts[0], 0, 64, "the protected header"));
  if (header != Es384ProtectedHeader()) {
    return Bad("the protected header is not {1: -35} (ES384)");
  }
  if (!cbor_isa_map(parts[1]) || cbor_map_size(parts[1]) != 0) {
    return Bad("the unprotected header is not an empty map");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes payload, ByteString(parts[2], 1, kMaxDocumentBytes, "payload"));
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, ByteString(parts[3], 96, 96, "the signature"));
  return CoseSign1{.protected_header = std::move(header),
                   .payload = std::move(payload),
                   .signature = std::move(signature)};
}

Result<AttestationDocument> ReadPayload(ByteView payload) {
  VIGIL_ASSIGN_OR_RETURN(Item map, Load(payload, "the payload"));
  if (!cbor_isa_map(map.get())) return Bad("the payload is not a map");
  AttestationDocument out;
  out.digest.clear();
  std::set<std::string> seen;
  for (std::size_t i = 0; i < cbor_map_size(map.get()); ++i) {
    const cbor_pair& pair = cbor_map_handle(map.get())[i];
    VIGIL_ASSIGN_OR_RETURN(std::string key, Text(pair.key, "a payload key"));
    if (!seen.insert(key).second) return Bad("the payload gives '" + key + "' twice");
    VIGIL_RETURN_IF_ERROR(ReadField(key, pair.value, out));
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
