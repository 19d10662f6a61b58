// Genesis (QuorumOS services/genesis.rs): the enclave makes a fresh quorum key, splits its
// seed among the share set in member order, encrypts each share to its member, wraps the
// seed to the disaster-recovery key when one is given, proves the key works with a test
// message, and attests to the whole output. Nothing is written: the key exists only in the
// shares, the DR wrapping and this process until it ends (phase GenesisBooted).
#include <string>

#include "crypto/envelope.h"
#include "crypto/shamir.h"
#include "enclave/processor.h"
#include "enclave/refusal.h"
#include "enclave/share_outputs.h"

namespace vigil::enclave {
using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;

Result<ProtocolMsg> EnclaveProcessor::Genesis(const ProtocolMsg& request) {
  const quorum::GenesisSet& set = request.genesis_set;
  VIGIL_RETURN_IF_ERROR(quorum::CheckGenesisSet(set));
  std::optional<crypto::qos::P256Public> dr;
  if (request.dr_key) {
    Result<crypto::qos::P256Public> parsed = crypto::qos::P256Public::FromBytes(*request.dr_key);
    if (!parsed.ok()) {
      return Refuse(ProtocolErrorKind::kInvalidP256DRKey, "FailedToDeserializePublicKey");
    }
    dr = std::move(*parsed);
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair quorum_key, crypto::qos::P256Pair::Generate());
  VIGIL_ASSIGN_OR_RETURN(
      std::vector<crypto::SecretBytes> shares,
      crypto::shamir::Split(quorum_key.seed().view(), set.threshold, set.members.size()));
  quorum::GenesisOutput output{.set = set, .dr_key = request.dr_key};
  output.quorum_key = quorum_key.public_key();
  VIGIL_ASSIGN_OR_RETURN(output.member_outputs, EncryptShares(set.members, shares));
  if (dr) {
    VIGIL_ASSIGN_OR_RETURN(output.dr_key_wrapped_quorum_key,
                           crypto::qos::Encrypt(*dr, quorum_key.seed().view()));
  }
  output.quorum_key_hash = quorum::QuorumKeyHash(quorum_key.seed().view());
  output.test_message =
      Bytes(quorum::kGenesisTestMessage.begin(), quorum::kGenesisTestMessage.end());
  VIGIL_ASSIGN_OR_RETURN(output.test_message_ciphertext,
                         crypto::qos::Encrypt(quorum_key.public_part(), output.test_message));
  VIGIL_ASSIGN_OR_RETURN(output.test_message_signature, quorum_key.Sign(output.test_message));

  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::GenesisOutputHash(output));
  attestation::AttestationRequest attest;
  attest.user_data = Bytes(hash.begin(), hash.end());
  VIGIL_ASSIGN_OR_RETURN(Bytes document, nsm_->Attest(attest));
  ProtocolMsg answer = quorum::Request(quorum::MessageKind::kBootGenesisResponse);
  answer.nsm = quorum::NsmResponse{.kind = quorum::NsmResponse::Kind::kAttestation,
                                   .data = std::move(document)};
  answer.genesis_output = std::move(output);
  return answer;
}

}  // namespace vigil::enclave
