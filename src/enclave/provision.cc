// Provisioning (QuorumOS services/provision.rs, with Vigil's stricter rules): each share
// holder sends its share of the quorum key encrypted to the setup key, with its approval
// of the manifest. At the share set's threshold the key is rebuilt, checked against the
// manifest's quorum key, written, and the ephemeral key rotated to the live key.
#include <algorithm>
#include <string>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/envelope.h"
#include "crypto/shamir.h"
#include "enclave/processor.h"
#include "enclave/refusal.h"
#include "enclave/seed_file.h"

namespace vigil::enclave {
namespace {

using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;

// QuorumOS's share: x (1 byte) then y (32 bytes).
constexpr std::size_t kShareSize = 33;
constexpr std::size_t kSeedSize = 32;

}  // namespace

Result<ProtocolMsg> EnclaveProcessor::Provision(const ProtocolMsg& request, bool& complete) {
  complete = false;
  if (!request.approval) return Refuse(ProtocolErrorKind::kInvalidMsg, "no approval");
  const quorum::Approval& approval = *request.approval;
  const quorum::MemberSet& share_set = envelope_->manifest.share_set;
  const bool member =
      std::any_of(share_set.members.begin(), share_set.members.end(),
                  [&](const quorum::QuorumMember& m) { return m == approval.member; });
  if (!member) {
    return Refuse(ProtocolErrorKind::kNotShareSetMember,
                  "'" + approval.member.alias + "' with this key is not in the share set");
  }
  Result<crypto::qos::P256Public> key = crypto::qos::P256Public::FromBytes(approval.member.pub_key);
  if (!key.ok() || !key->Verify(manifest_hash_, approval.signature).ok()) {
    return Refuse(ProtocolErrorKind::kCouldNotVerifyApproval,
                  "the approval of '" + approval.member.alias + "' is not over this manifest");
  }
  if (std::find(share_members_.begin(), share_members_.end(), approval.member.alias) !=
      share_members_.end()) {
    return Refuse(ProtocolErrorKind::kDuplicateApproval,
                  "'" + approval.member.alias + "' has already provided its share");
  }
  Result<crypto::SecretBytes> share = crypto::qos::Decrypt(*setup_key_, request.share);
  if (!share.ok() || share->size() != kShareSize) {
    return Refuse(ProtocolErrorKind::kDecryptionFailed,
                  "the share of '" + approval.member.alias +
                      "' does not decrypt to a 33-byte share with this enclave's setup key");
  }
  shares_.push_back(std::move(*share));
  share_members_.push_back(approval.member.alias);
  envelope_->share_set_approvals.push_back(approval);
  ProtocolMsg answer = quorum::Request(quorum::MessageKind::kProvisionResponse);
  if (shares_.size() < share_set.threshold) return answer;
  std::vector<ByteView> views;
  for (const crypto::SecretBytes& s : shares_) views.push_back(s.view());
  Result<crypto::SecretBytes> seed = crypto::shamir::Reconstruct(views);
  if (!seed.ok() || seed->size() != kSeedSize) {
    shares_.pop_back();  // keep waiting without the share that broke the set
    share_members_.pop_back();
    envelope_->share_set_approvals.pop_back();
    return Refuse(ProtocolErrorKind::kReconstructionErrorEmptySecret, "the shares do not combine");
  }
  VIGIL_RETURN_IF_ERROR(FinishProvisioning(std::move(*seed)));
  complete = true;
  answer.reconstructed = true;
  return answer;
}

Status EnclaveProcessor::FinishProvisioning(crypto::SecretBytes seed) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair quorum_key, crypto::qos::P256Pair::FromSeed(seed));
  if (quorum_key.public_key() != envelope_->manifest.name_space.quorum_key) {
    shares_.pop_back();
    share_members_.pop_back();
    envelope_->share_set_approvals.pop_back();
    return Refuse(ProtocolErrorKind::kReconstructionErrorIncorrectPubKey,
                  "the rebuilt key is not the manifest's quorum key");
  }
  shares_.clear();  // wiped as they go
  if (reshard_) return Reshard(quorum_key);
  return InstallQuorumKey(std::move(quorum_key));
}

Status EnclaveProcessor::InstallQuorumKey(crypto::qos::P256Pair quorum_key) {
  VIGIL_RETURN_IF_ERROR(WriteSeedFile(config_.state_dir / "qos.ephemeral.key", live_key_->seed()));
  rotated_ = true;
  VIGIL_RETURN_IF_ERROR(WriteSeedFile(config_.state_dir / "qos.quorum.key", quorum_key.seed()));
  quorum_key_ = std::move(quorum_key);
  const quorum::PivotConfig& pivot = envelope_->manifest.pivot;
  pivot_ = PivotLaunch{.program = pivot_path_,
                       .args = pivot.args,
                       .env = pivot.env,
                       .restart_always = pivot.restart == quorum::RestartPolicy::kAlways,
                       .debug_mode = pivot.debug_mode};
  return OkStatus();
}

}  // namespace vigil::enclave
