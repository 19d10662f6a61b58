// Each member's share of a quorum key, encrypted to the member, with the SHA-512 of the
// plaintext share: what genesis and resharding hand out (quorum/genesis_output.h).
#pragma once

#include <vector>

#include "base/result.h"
#include "crypto/secret.h"
#include "quorum/genesis_output.h"

namespace vigil::enclave {

// `shares[i]` goes to `members[i]`; a member key that is not a P256 public key is refused
// as QosCrypto, naming the member.
Result<std::vector<quorum::GenesisMemberOutput>> EncryptShares(
    const std::vector<quorum::QuorumMember>& members,
    const std::vector<crypto::SecretBytes>& shares);

}  // namespace vigil::enclave
