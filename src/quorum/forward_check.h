// Key forwarding's manifest checks (QuorumOS services/key.rs validate_manifest): before an
// enclave that holds the quorum key hands it to a new enclave, the new manifest must be
// approved and must keep everything that decides who may hold the key. Each failure's
// message starts with QuorumOS's name for it ("LowNonce: expected 3, actual 2").
#pragma once

#include "base/result.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

// In QuorumOS's order: the new manifest's approvals (CheckApprovals) and no share-set
// approvals (BadShareSetApprovals); the same quorum key (DifferentQuorumKey); the same
// manifest set, threshold and members in any order (DifferentManifestSet, with the hashes
// of the two sets); the same namespace name (DifferentNamespaceName); a nonce not lower
// (LowNonce), and an equal nonce only for the same manifest (DifferentManifest); the same
// PCR3, the operator's IAM role (DifferentPcr3).
Status CheckForwardedManifest(const ManifestEnvelope& current, const ManifestEnvelope& next);

}  // namespace vigil::quorum
