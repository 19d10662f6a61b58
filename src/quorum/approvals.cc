#include "quorum/approvals.h"

#include <set>
#include <string>

#include "crypto/p256.h"
#include "quorum/manifest_borsh.h"
#include "quorum/manifest_json.h"
#include "quorum/qos_json.h"

namespace vigil::quorum {
namespace {

Error Named(std::string_view name, const std::string& detail) {
  return Error::Failed(std::string(name) + ": " + detail);
}

}  // namespace

Status CheckUniqueMembers(const MemberSet& set) {
  std::set<std::string> aliases;
  // Keys as strings: GCC 12 at -O3 warns falsely (stringop-overread) on std::set<Bytes>.
  std::set<std::string> encryption_keys, signing_keys;
  for (const QuorumMember& member : set.members) {
    if (member.pub_key.size() != crypto::qos::kPublicKeySize) {
      return Named("DuplicateQuorumMember", "member " + member.alias + "'s key is not 130 bytes");
    }
    const ByteView key(member.pub_key);
    if (!aliases.insert(member.alias).second ||
        !encryption_keys.insert(std::string(AsText(key.first(65)))).second ||
        !signing_keys.insert(std::string(AsText(key.subspan(65)))).second) {
      return Named("DuplicateQuorumMember", "member " + member.alias + " is in the set twice");
    }
  }
  return OkStatus();
}

namespace {

Status CheckSignature(const crypto::Sha256Digest& hash, const Approval& approval) {
  Result<crypto::qos::P256Public> key = crypto::qos::P256Public::FromBytes(approval.member.pub_key);
  if (!key.ok() || !key->Verify(hash, approval.signature).ok()) {
    return Named("InvalidManifestApproval", "the approval by " + approval.member.alias +
                                                " does not verify over the manifest hash");
  }
  return OkStatus();
}

Status CheckMembership(const MemberSet& set, const Approval& approval) {
  for (const QuorumMember& member : set.members) {
    if (member == approval.member) return OkStatus();
  }
  return Named("NotManifestSetMember", approval.member.alias + " (with that key) is not a member");
}

}  // namespace

Result<crypto::Sha256Digest> ManifestHash(const Manifest& manifest) {
  if (manifest.version == ManifestVersion::kV2) {
    VIGIL_ASSIGN_OR_RETURN(std::string canonical, ManifestJson(manifest));
    return crypto::Sha256(AsBytes(canonical));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes borsh, EncodeManifestBorsh(manifest));
  return crypto::Sha256(borsh);
}

Status CheckMemberApproval(const MemberSet& set, const crypto::Sha256Digest& hash,
                           const Approval& approval) {
  VIGIL_RETURN_IF_ERROR(CheckSignature(hash, approval));
  return CheckMembership(set, approval);
}

Status CheckApprovals(const Manifest& manifest, const crypto::Sha256Digest& hash,
                      const std::vector<Approval>& approvals) {
  const MemberSet& set = manifest.manifest_set;
  VIGIL_RETURN_IF_ERROR(CheckUniqueMembers(set));
  std::set<std::string> approvers;
  for (const Approval& approval : approvals) VIGIL_RETURN_IF_ERROR(CheckSignature(hash, approval));
  for (const Approval& approval : approvals) VIGIL_RETURN_IF_ERROR(CheckMembership(set, approval));
  for (const Approval& approval : approvals) {
    if (!approvers.insert(approval.member.alias).second) {
      return Named("DuplicateApproval", approval.member.alias + " approved twice");
    }
  }
  if (set.threshold == 0 || set.threshold > set.members.size()) {
    return Named("NotEnoughApprovals",
                 "the manifest set's threshold " + std::to_string(set.threshold) +
                     " is not between 1 and " + std::to_string(set.members.size()));
  }
  if (approvers.size() < set.threshold) {
    return Named("NotEnoughApprovals", std::to_string(approvers.size()) + " of the " +
                                           std::to_string(set.threshold) + " approvals needed");
  }
  return OkStatus();
}

}  // namespace vigil::quorum
