#include "quorum/reshard.h"

#include <algorithm>
#include <string>

#include "base/hex.h"
#include "crypto/p256.h"
#include "crypto/shamir.h"
#include "quorum/approvals.h"
#include "quorum/borsh.h"
#include "quorum/reshard_json.h"

namespace vigil::quorum {

Result<crypto::Sha256Digest> ReshardHash(const ReshardManifest& reshard) {
  VIGIL_ASSIGN_OR_RETURN(std::string canonical, ReshardManifestJson(reshard));
  return crypto::Sha256(AsBytes(canonical));
}

Status CheckReshardManifest(const ReshardManifest& reshard) {
  const MemberSet& next = reshard.new_share_set;
  if (next.threshold < crypto::shamir::kMinThreshold || next.threshold > next.members.size()) {
    return Error::BadInput(
        "QosCrypto: the new share set's threshold of " + std::to_string(next.threshold) + " for " +
        std::to_string(next.members.size()) + " members; Shamir needs 2 <= threshold <= members");
  }
  VIGIL_RETURN_IF_ERROR(CheckUniqueMembers(next));
  if (!crypto::qos::P256Public::FromBytes(reshard.manifest.name_space.quorum_key).ok()) {
    return Error::BadInput("QosCrypto: the manifest's quorum key is not a P256 public key");
  }
  return OkStatus();
}

Status CheckReshardApprovals(const ReshardEnvelope& envelope, const crypto::Sha256Digest& hash) {
  return CheckApprovals(envelope.reshard.manifest, hash, envelope.manifest_set_approvals);
}

Result<Bytes> EncodeReshardOutputBorsh(const ReshardOutput& output) {
  BorshWriter out;
  out.Fixed(output.reshard_hash);
  VIGIL_RETURN_IF_ERROR(out.Bytes(output.quorum_key));
  out.U32(output.threshold);
  VIGIL_RETURN_IF_ERROR(out.Length(output.member_outputs.size()));
  for (const GenesisMemberOutput& member : output.member_outputs) {
    VIGIL_RETURN_IF_ERROR(WriteMemberOutputBorsh(out, member));
  }
  return out.Take();
}

Result<ReshardOutput> DecodeReshardOutputBorsh(ByteView bytes) {
  if (bytes.size() > kMaxReshardOutputBytes) {
    return Error::BadInput("a reshard output of " + std::to_string(bytes.size()) +
                           " bytes; at most " + std::to_string(kMaxReshardOutputBytes));
  }
  BorshReader in(bytes, "a reshard output");
  ReshardOutput output;
  VIGIL_ASSIGN_OR_RETURN(Bytes hash, in.Fixed(output.reshard_hash.size(), "reshard_hash"));
  std::copy(hash.begin(), hash.end(), output.reshard_hash.begin());
  VIGIL_ASSIGN_OR_RETURN(output.quorum_key, in.Bytes(kMaxKeyBytes, "quorum_key"));
  VIGIL_ASSIGN_OR_RETURN(output.threshold, in.U32("threshold"));
  VIGIL_ASSIGN_OR_RETURN(std::size_t members, in.Length(kMaxMembers, "member_outputs"));
  for (std::size_t i = 0; i < members; ++i) {
    VIGIL_ASSIGN_OR_RETURN(GenesisMemberOutput member, ReadMemberOutputBorsh(in));
    output.member_outputs.push_back(std::move(member));
  }
  VIGIL_RETURN_IF_ERROR(in.Finish());
  return output;
}

Status CheckReshardOutput(const ReshardOutput& output, const ReshardManifest& reshard) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, ReshardHash(reshard));
  if (output.reshard_hash != hash) {
    return Error::Failed("reshard_hash: the output answers reshard " +
                         HexEncode(output.reshard_hash) + ", not " + HexEncode(hash));
  }
  if (output.quorum_key != reshard.manifest.name_space.quorum_key) {
    return Error::Failed("quorum_key: the output's quorum key is not the namespace's");
  }
  const MemberSet& next = reshard.new_share_set;
  if (output.threshold != next.threshold) {
    return Error::Failed("threshold: the output's is " + std::to_string(output.threshold) +
                         ", the new share set's " + std::to_string(next.threshold));
  }
  if (output.member_outputs.size() != next.members.size()) {
    return Error::Failed("member_outputs: " + std::to_string(output.member_outputs.size()) +
                         " for " + std::to_string(next.members.size()) + " new members");
  }
  for (std::size_t i = 0; i < next.members.size(); ++i) {
    if (output.member_outputs[i].share_set_member != next.members[i]) {
      return Error::Failed("member_outputs[" + std::to_string(i) + "] is not for " +
                           next.members[i].alias);
    }
  }
  return OkStatus();
}

}  // namespace vigil::quorum
