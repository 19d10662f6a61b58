#include "quorum/reshard_json.h"

#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "quorum/manifest_json.h"
#include "quorum/qos_json.h"

namespace vigil::quorum {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using nlohmann::json;

json ReshardManifestJsonValue(const ReshardManifest& reshard) {
  return json{{"version", kReshardVersion},
              {"manifest", ManifestJsonValue(reshard.manifest)},
              {"newShareSet", MemberSetJsonValue(reshard.new_share_set)}};
}

Result<ReshardManifest> ReadReshardManifest(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"version", "manifest", "newShareSet"}));
  if (value["version"] != kReshardVersion) {
    return BadAt(path + ".version", "must be \"" + std::string(kReshardVersion) + "\"");
  }
  ReshardManifest reshard;
  Result<Manifest> manifest = ReadManifestJsonValue(value["manifest"]);
  if (!manifest.ok()) return manifest.error().WithContext(path + ".manifest");
  reshard.manifest = std::move(*manifest);
  VIGIL_ASSIGN_OR_RETURN(reshard.new_share_set,
                         ReadMemberSetJsonValue(value["newShareSet"], path + ".newShareSet"));
  return reshard;
}

Result<json> Parse(std::string_view text, std::string_view what) {
  if (text.size() > kMaxManifestJsonBytes) {
    return Error::BadInput(std::string(what) + " is over " + std::to_string(kMaxManifestJsonBytes) +
                           " bytes");
  }
  return encoding::ParseStrictJson(text, what, 16);
}

}  // namespace

json ReshardEnvelopeJsonValue(const ReshardEnvelope& envelope) {
  json approvals = json::array();
  for (const Approval& a : envelope.manifest_set_approvals)
    approvals.push_back(ApprovalJsonValue(a));
  return json{{"reshardManifest", ReshardManifestJsonValue(envelope.reshard)},
              {"manifestSetApprovals", std::move(approvals)}};
}

Result<ReshardEnvelope> ReadReshardEnvelopeJsonValue(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(value, path, {"reshardManifest", "manifestSetApprovals"}));
  ReshardEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.reshard,
                         ReadReshardManifest(value["reshardManifest"], path + ".reshardManifest"));
  const json& approvals = value["manifestSetApprovals"];
  const std::string at = path + ".manifestSetApprovals";
  if (!approvals.is_array() || approvals.size() > kMaxApprovals) {
    return BadAt(at, "must be an array of at most " + std::to_string(kMaxApprovals) + " approvals");
  }
  for (std::size_t i = 0; i < approvals.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(Approval approval,
                           ReadApprovalJsonValue(approvals[i], at + "[" + std::to_string(i) + "]"));
    envelope.manifest_set_approvals.push_back(std::move(approval));
  }
  return envelope;
}

Result<ReshardManifest> ParseReshardManifestJson(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, Parse(text, "a reshard manifest"));
  return ReadReshardManifest(value, "$");
}

Result<ReshardEnvelope> ParseReshardEnvelopeJson(std::string_view text) {
  VIGIL_ASSIGN_OR_RETURN(json value, Parse(text, "a reshard envelope"));
  return ReadReshardEnvelopeJsonValue(value, "$");
}

Result<std::string> ReshardManifestJson(const ReshardManifest& reshard) {
  return qos_json::Serialize(ReshardManifestJsonValue(reshard));
}

Result<std::string> ReshardEnvelopeJson(const ReshardEnvelope& envelope) {
  return qos_json::Serialize(ReshardEnvelopeJsonValue(envelope));
}

}  // namespace vigil::quorum
