// Resharding (docs/SPEC-quorum.md, "Resharding"): booted with a reshard envelope the
// manifest set approved, the enclave commits to the reshard's hash as boot standard commits
// to a manifest's, collects the old share set's shares (each holder's approval is over the
// same hash), rebuilds and checks the quorum key, splits its seed to the new share set and
// attests to the output. Nothing is written and no pivot starts; the output stays here for
// the host to fetch (phase ReshardBooted) until the process ends.
#include <string>

#include "crypto/shamir.h"
#include "enclave/processor.h"
#include "enclave/refusal.h"
#include "enclave/share_outputs.h"

namespace vigil::enclave {
namespace {

using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;

}  // namespace

Result<ProtocolMsg> EnclaveProcessor::BootReshard(const ProtocolMsg& request) {
  if (!request.reshard_envelope) {
    return Refuse(ProtocolErrorKind::kInvalidMsg, "no reshard envelope");
  }
  const quorum::ReshardEnvelope& reshard = *request.reshard_envelope;
  VIGIL_RETURN_IF_ERROR(quorum::CheckReshardManifest(reshard.reshard));
  VIGIL_ASSIGN_OR_RETURN(manifest_hash_, quorum::ReshardHash(reshard.reshard));
  VIGIL_RETURN_IF_ERROR(quorum::CheckReshardApprovals(reshard, manifest_hash_));
  reshard_ = reshard;
  // Provisioning reads the old share set and records approvals here, as for boot standard.
  envelope_ = quorum::ManifestEnvelope{.manifest = reshard.reshard.manifest,
                                       .manifest_set_approvals = reshard.manifest_set_approvals,
                                       .share_set_approvals = {}};
  VIGIL_ASSIGN_OR_RETURN(setup_key_, crypto::qos::P256Pair::Generate());
  VIGIL_ASSIGN_OR_RETURN(live_key_, crypto::qos::P256Pair::Generate());  // committed, never used
  VIGIL_RETURN_IF_ERROR(CommitToPcrs());
  return Attested(quorum::MessageKind::kBootReshardResponse, *setup_key_);
}

Status EnclaveProcessor::Reshard(const crypto::qos::P256Pair& quorum_key) {
  const quorum::MemberSet& next = reshard_->reshard.new_share_set;
  VIGIL_ASSIGN_OR_RETURN(
      std::vector<crypto::SecretBytes> shares,
      crypto::shamir::Split(quorum_key.seed().view(), next.threshold, next.members.size()));
  // The new shares must give the key back before anyone relies on them.
  std::vector<ByteView> first;
  for (std::size_t i = 0; i < next.threshold; ++i) first.push_back(shares[i].view());
  Result<crypto::SecretBytes> again = crypto::shamir::Reconstruct(first);
  if (!again.ok() || !crypto::ConstantTimeEqual(again->view(), quorum_key.seed().view())) {
    return Refuse(ProtocolErrorKind::kQosCrypto, "the new shares do not rebuild the key");
  }
  quorum::ReshardOutput output{.reshard_hash = manifest_hash_,
                               .quorum_key = quorum_key.public_key(),
                               .threshold = next.threshold,
                               .member_outputs = {}};
  VIGIL_ASSIGN_OR_RETURN(output.member_outputs, EncryptShares(next.members, shares));
  VIGIL_ASSIGN_OR_RETURN(Bytes borsh, quorum::EncodeReshardOutputBorsh(output));
  const crypto::Sha256Digest hash = crypto::Sha256(borsh);
  attestation::AttestationRequest attest;
  attest.user_data = Bytes(hash.begin(), hash.end());
  VIGIL_ASSIGN_OR_RETURN(reshard_document_, nsm_->Attest(attest));
  reshard_output_ = std::move(borsh);
  return OkStatus();
}

Result<ProtocolMsg> EnclaveProcessor::ReshardOutputAnswer() {
  // ReshardBooted routes here only once the output exists.
  ProtocolMsg answer = quorum::Request(quorum::MessageKind::kReshardOutputResponse);
  answer.nsm = quorum::NsmResponse{.kind = quorum::NsmResponse::Kind::kAttestation,
                                   .data = reshard_document_};
  answer.reshard_output = reshard_output_;
  return answer;
}

}  // namespace vigil::enclave
