#include "quorum/genesis_output.h"

#include <algorithm>
#include <string>

#include "base/hex.h"
#include "crypto/secret.h"
#include "crypto/shamir.h"
#include "quorum/approvals.h"
#include "quorum/borsh.h"
#include "quorum/manifest_borsh.h"

namespace vigil::quorum {
namespace {

// Envelopes of a 33-byte share or a 32-byte seed are about 130 bytes; a signature 64.
constexpr std::size_t kMaxBlob = 64 * 1024;

Status WriteOptionalBytes(BorshWriter& out, const std::optional<Bytes>& value) {
  out.Bool(value.has_value());
  if (value) return out.Bytes(*value);
  return OkStatus();
}

Result<std::optional<Bytes>> ReadOptionalBytes(BorshReader& in, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(bool present, in.OptionTag(field));
  if (!present) return std::optional<Bytes>();
  VIGIL_ASSIGN_OR_RETURN(Bytes value, in.Bytes(kMaxBlob, field));
  return std::optional<Bytes>(std::move(value));
}

Result<crypto::Sha512Digest> ReadDigest(BorshReader& in, std::string_view field) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, in.Fixed(64, field));
  crypto::Sha512Digest digest{};
  std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

Result<GenesisSet> ReadSetBorsh(BorshReader& in) {
  GenesisSet set;
  VIGIL_ASSIGN_OR_RETURN(std::size_t count, in.Length(kMaxMembers, "genesis set members"));
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(QuorumMember member, ReadMemberBorsh(in));
    set.members.push_back(std::move(member));
  }
  VIGIL_ASSIGN_OR_RETURN(set.threshold, in.U32("genesis set threshold"));
  return set;
}

}  // namespace

Status WriteMemberOutputBorsh(BorshWriter& out, const GenesisMemberOutput& member) {
  VIGIL_RETURN_IF_ERROR(WriteMemberBorsh(out, member.share_set_member));
  VIGIL_RETURN_IF_ERROR(out.Bytes(member.encrypted_quorum_key_share));
  out.Fixed(member.share_hash);
  return OkStatus();
}

Result<GenesisMemberOutput> ReadMemberOutputBorsh(BorshReader& in) {
  GenesisMemberOutput member;
  VIGIL_ASSIGN_OR_RETURN(member.share_set_member, ReadMemberBorsh(in));
  VIGIL_ASSIGN_OR_RETURN(member.encrypted_quorum_key_share,
                         in.Bytes(kMaxBlob, "encrypted_quorum_key_share"));
  VIGIL_ASSIGN_OR_RETURN(member.share_hash, ReadDigest(in, "share_hash"));
  return member;
}

crypto::Sha512Digest QuorumKeyHash(ByteView seed) {
  std::string hex = HexEncode(seed);
  const crypto::Sha512Digest digest = crypto::Sha512(AsBytes(hex));
  crypto::Wipe(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(hex.data()), hex.size()));
  return digest;
}

Status CheckGenesisSet(const GenesisSet& set) {
  if (set.threshold < crypto::shamir::kMinThreshold || set.threshold > set.members.size()) {
    return Error::BadInput("QosCrypto: a genesis threshold of " + std::to_string(set.threshold) +
                           " for " + std::to_string(set.members.size()) +
                           " members; Shamir needs 2 <= threshold <= members");
  }
  return CheckUniqueMembers(MemberSet{.threshold = set.threshold, .members = set.members});
}

Result<Bytes> EncodeGenesisOutputBorsh(const GenesisOutput& output) {
  BorshWriter out;
  VIGIL_RETURN_IF_ERROR(out.Length(output.set.members.size()));
  for (const QuorumMember& m : output.set.members) VIGIL_RETURN_IF_ERROR(WriteMemberBorsh(out, m));
  out.U32(output.set.threshold);
  VIGIL_RETURN_IF_ERROR(WriteOptionalBytes(out, output.dr_key));
  VIGIL_RETURN_IF_ERROR(out.Bytes(output.quorum_key));
  VIGIL_RETURN_IF_ERROR(out.Length(output.member_outputs.size()));
  for (const GenesisMemberOutput& member : output.member_outputs) {
    VIGIL_RETURN_IF_ERROR(WriteMemberOutputBorsh(out, member));
  }
  VIGIL_RETURN_IF_ERROR(out.Length(0));  // recovery_permutations
  VIGIL_RETURN_IF_ERROR(WriteOptionalBytes(out, output.dr_key_wrapped_quorum_key));
  out.Fixed(output.quorum_key_hash);
  VIGIL_RETURN_IF_ERROR(out.Bytes(output.test_message_ciphertext));
  VIGIL_RETURN_IF_ERROR(out.Bytes(output.test_message_signature));
  VIGIL_RETURN_IF_ERROR(out.Bytes(output.test_message));
  return out.Take();
}

Result<GenesisOutput> DecodeGenesisOutputBorsh(ByteView bytes) {
  if (bytes.size() > kMaxGenesisOutputBytes) {
    return Error::BadInput("a genesis output of " + std::to_string(bytes.size()) +
                           " bytes; at most " + std::to_string(kMaxGenesisOutputBytes));
  }
  BorshReader in(bytes, "a genesis output");
  GenesisOutput output;
  VIGIL_ASSIGN_OR_RETURN(output.set, ReadSetBorsh(in));
  VIGIL_ASSIGN_OR_RETURN(output.dr_key, ReadOptionalBytes(in, "dr_key"));
  VIGIL_ASSIGN_OR_RETURN(output.quorum_key, in.Bytes(kMaxBlob, "quorum_key"));
  VIGIL_ASSIGN_OR_RETURN(std::size_t members, in.Length(kMaxMembers, "member_outputs"));
  for (std::size_t i = 0; i < members; ++i) {
    VIGIL_ASSIGN_OR_RETURN(GenesisMemberOutput member, ReadMemberOutputBorsh(in));
    output.member_outputs.push_back(std::move(member));
  }
  VIGIL_ASSIGN_OR_RETURN(std::size_t permutations, in.Length(kMaxMembers, "recovery_permutations"));
  if (permutations != 0) {
    return Error::BadInput("a genesis output with recovery_permutations; QuorumOS writes none");
  }
  VIGIL_ASSIGN_OR_RETURN(output.dr_key_wrapped_quorum_key,
                         ReadOptionalBytes(in, "dr_key_wrapped_quorum_key"));
  VIGIL_ASSIGN_OR_RETURN(output.quorum_key_hash, ReadDigest(in, "quorum_key_hash"));
  VIGIL_ASSIGN_OR_RETURN(output.test_message_ciphertext,
                         in.Bytes(kMaxBlob, "test_message_ciphertext"));
  VIGIL_ASSIGN_OR_RETURN(output.test_message_signature,
                         in.Bytes(kMaxBlob, "test_message_signature"));
  VIGIL_ASSIGN_OR_RETURN(output.test_message, in.Bytes(kMaxBlob, "test_message"));
  VIGIL_RETURN_IF_ERROR(in.Finish());
  return output;
}

Result<crypto::Sha256Digest> GenesisOutputHash(const GenesisOutput& output) {
  VIGIL_ASSIGN_OR_RETURN(Bytes borsh, EncodeGenesisOutputBorsh(output));
  return crypto::Sha256(borsh);
}

}  // namespace vigil::quorum
