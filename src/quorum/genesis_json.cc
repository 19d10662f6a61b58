#include "quorum/genesis_json.h"

#include <algorithm>

#include "base/hex.h"
#include "encoding/json_fields.h"
#include "quorum/manifest_json.h"

namespace vigil::quorum {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using encoding::json_fields::HexField;
using nlohmann::json;

constexpr std::size_t kMaxBlob = 64 * 1024;

Result<crypto::Sha512Digest> DigestField(const json& value, const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, HexField(value, path, 64));
  if (bytes.size() != 64) return BadAt(path, "must be 64 bytes (a SHA-512)");
  crypto::Sha512Digest digest{};
  std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

Result<std::optional<Bytes>> OptionalHex(const json& value, const std::string& key,
                                         const std::string& path) {
  if (!value.contains(key) || value[key].is_null()) return std::optional<Bytes>();
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, HexField(value[key], path + "." + key, kMaxBlob));
  return std::optional<Bytes>(std::move(bytes));
}

Result<GenesisMemberOutput> ReadMemberOutputJson(const json& value, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(value, path, {"shareSetMember", "encryptedQuorumKeyShare", "shareHash"}));
  GenesisMemberOutput member;
  VIGIL_ASSIGN_OR_RETURN(member.share_set_member,
                         ReadMemberJsonValue(value["shareSetMember"], path + ".shareSetMember"));
  VIGIL_ASSIGN_OR_RETURN(
      member.encrypted_quorum_key_share,
      HexField(value["encryptedQuorumKeyShare"], path + ".encryptedQuorumKeyShare", kMaxBlob));
  VIGIL_ASSIGN_OR_RETURN(member.share_hash, DigestField(value["shareHash"], path + ".shareHash"));
  return member;
}

Status ReadOutputBytes(const json& v, const std::string& p, GenesisOutput& out) {
  VIGIL_ASSIGN_OR_RETURN(out.dr_key, OptionalHex(v, "dr_key", p));
  VIGIL_ASSIGN_OR_RETURN(out.quorum_key, HexField(v["quorum_key"], p + ".quorum_key", kMaxBlob));
  VIGIL_ASSIGN_OR_RETURN(out.dr_key_wrapped_quorum_key,
                         OptionalHex(v, "dr_key_wrapped_quorum_key", p));
  VIGIL_ASSIGN_OR_RETURN(out.quorum_key_hash,
                         DigestField(v["quorum_key_hash"], p + ".quorum_key_hash"));
  VIGIL_ASSIGN_OR_RETURN(
      out.test_message_ciphertext,
      HexField(v["test_message_ciphertext"], p + ".test_message_ciphertext", kMaxBlob));
  VIGIL_ASSIGN_OR_RETURN(
      out.test_message_signature,
      HexField(v["test_message_signature"], p + ".test_message_signature", kMaxBlob));
  VIGIL_ASSIGN_OR_RETURN(out.test_message,
                         HexField(v["test_message"], p + ".test_message", kMaxBlob));
  return OkStatus();
}

}  // namespace

json GenesisSetJsonValue(const GenesisSet& set) {
  return MemberSetJsonValue(MemberSet{.threshold = set.threshold, .members = set.members});
}

Result<GenesisSet> ReadGenesisSetJsonValue(const json& value, const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(MemberSet set, ReadMemberSetJsonValue(value, path));
  return GenesisSet{.members = std::move(set.members), .threshold = set.threshold};
}

json GenesisOutputJsonValue(const GenesisOutput& output) {
  json members = json::array();
  for (const GenesisMemberOutput& member : output.member_outputs) {
    members.push_back({{"shareSetMember", MemberJsonValue(member.share_set_member)},
                       {"encryptedQuorumKeyShare", HexEncode(member.encrypted_quorum_key_share)},
                       {"shareHash", HexEncode(member.share_hash)}});
  }
  json out{{"set", GenesisSetJsonValue(output.set)},
           {"quorum_key", HexEncode(output.quorum_key)},
           {"member_outputs", std::move(members)},
           {"recovery_permutations", json::array()},
           {"quorum_key_hash", HexEncode(output.quorum_key_hash)},
           {"test_message_ciphertext", HexEncode(output.test_message_ciphertext)},
           {"test_message_signature", HexEncode(output.test_message_signature)},
           {"test_message", HexEncode(output.test_message)}};
  if (output.dr_key) out["dr_key"] = HexEncode(*output.dr_key);
  if (output.dr_key_wrapped_quorum_key) {
    out["dr_key_wrapped_quorum_key"] = HexEncode(*output.dr_key_wrapped_quorum_key);
  }
  return out;
}

Result<GenesisOutput> ReadGenesisOutputJsonValue(const json& v, const std::string& p) {
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(v, p,
                {"set", "quorum_key", "member_outputs", "recovery_permutations", "quorum_key_hash",
                 "test_message_ciphertext", "test_message_signature", "test_message"},
                {"dr_key", "dr_key_wrapped_quorum_key"}));
  GenesisOutput output;
  VIGIL_ASSIGN_OR_RETURN(output.set, ReadGenesisSetJsonValue(v["set"], p + ".set"));
  const json& members = v["member_outputs"];
  if (!members.is_array() || members.size() > kMaxMembers) {
    return BadAt(p + ".member_outputs",
                 "must be an array of at most " + std::to_string(kMaxMembers));
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(
        GenesisMemberOutput member,
        ReadMemberOutputJson(members[i], p + ".member_outputs[" + std::to_string(i) + "]"));
    output.member_outputs.push_back(std::move(member));
  }
  if (!v["recovery_permutations"].is_array() || !v["recovery_permutations"].empty()) {
    return BadAt(p + ".recovery_permutations", "must be empty, as QuorumOS writes it");
  }
  VIGIL_RETURN_IF_ERROR(ReadOutputBytes(v, p, output));
  return output;
}

}  // namespace vigil::quorum
