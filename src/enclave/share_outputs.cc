#include "enclave/share_outputs.h"

#include <string>

#include "crypto/envelope.h"
#include "enclave/refusal.h"

namespace vigil::enclave {

Result<std::vector<quorum::GenesisMemberOutput>> EncryptShares(
    const std::vector<quorum::QuorumMember>& members,
    const std::vector<crypto::SecretBytes>& shares) {
  std::vector<quorum::GenesisMemberOutput> outputs;
  for (std::size_t i = 0; i < members.size(); ++i) {
    Result<crypto::qos::P256Public> member = crypto::qos::P256Public::FromBytes(members[i].pub_key);
    if (!member.ok()) {
      return Refuse(quorum::ProtocolErrorKind::kQosCrypto,
                    "member " + members[i].alias + "'s key: " + member.error().message());
    }
    quorum::GenesisMemberOutput output{.share_set_member = members[i]};
    VIGIL_ASSIGN_OR_RETURN(output.encrypted_quorum_key_share,
                           crypto::qos::Encrypt(*member, shares[i].view()));
    output.share_hash = crypto::Sha512(shares[i].view());
    outputs.push_back(std::move(output));
  }
  return outputs;
}

}  // namespace vigil::enclave
