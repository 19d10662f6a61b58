#include "provenance/signature_record.h"

#include <nlohmann/json.hpp>

#include "provenance/record_fields.h"

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;
using namespace detail;

// Every subject at its longest plus the bounded fields, with room to spare.
constexpr std::size_t kMaxRecordSize = 1 << 20;

}  // namespace

std::string SerializeSignatureRecord(const SignatureRecord& record) {
  // std::map-backed: keys come out sorted, as RFC 8785 wants for ASCII keys.
  return Json{{"build_id", record.build_id},
              {"build_index", record.build_index},
              {"envelope_sha256", record.envelope_sha256},
              {"key_id", record.key_id},
              {"key_name", record.key_name},
              {"subjects", ArtifactsJson(record.subjects)},
              {"type", "signature"}}
      .dump();
}

Result<LoggedSignature> ParseLoggedSignature(ByteView entry) {
  VIGIL_ASSIGN_OR_RETURN(Json json, ParseRecordObject(entry, kMaxRecordSize));
  VIGIL_ASSIGN_OR_RETURN(std::string type, StringMember(json, "type"));
  if (type != "signature") {
    return Error::BadInput("the entry is a \"" + type + "\" record, not a signature record");
  }
  VIGIL_RETURN_IF_ERROR(CheckMemberCount(json, 8, "the signature record"));
  LoggedSignature logged;
  SignatureRecord& record = logged.record;
  VIGIL_ASSIGN_OR_RETURN(record.build_id, StringMember(json, "build_id"));
  VIGIL_ASSIGN_OR_RETURN(record.build_index, UnsignedMember(json, "build_index"));
  VIGIL_ASSIGN_OR_RETURN(record.envelope_sha256, StringMember(json, "envelope_sha256"));
  VIGIL_ASSIGN_OR_RETURN(record.key_id, StringMember(json, "key_id"));
  VIGIL_ASSIGN_OR_RETURN(record.key_name, StringMember(json, "key_name"));
  VIGIL_ASSIGN_OR_RETURN(record.subjects, ArtifactsMember(json, "subjects"));
  VIGIL_RETURN_IF_ERROR(
      ReadIdentity(json, "submitter", &logged.submitter_name, &logged.submitter_tags));
  if (!IsSha256Hex(record.envelope_sha256)) {
    return Error::BadInput("the record's envelope_sha256 is not 64 lowercase hex digits");
  }
  VIGIL_RETURN_IF_ERROR(CheckCanonical(json, entry, "the signature record"));
  return logged;
}

}  // namespace vigil::provenance
