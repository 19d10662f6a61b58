// The manifest hash and the approval check, exactly as QuorumOS does them (boot.rs
// manifest_hash, check_approvals; docs/SPEC-quorum.md).
#pragma once

#include <vector>

#include "base/result.h"
#include "crypto/hash.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

// SHA-256 of the manifest alone (never its envelope, never the bytes it arrived in): of its
// canonical JSON for V2, of its Borsh encoding for V0 and V1.
Result<crypto::Sha256Digest> ManifestHash(const Manifest& manifest);

// QuorumOS's checks, in its order; the first that fails is the error, whose message starts
// with QuorumOS's name for it:
//   DuplicateQuorumMember    two manifest-set members share an alias, a signing key or an
//                            encryption key (or a key is not a 130-byte P256 public key)
//   InvalidManifestApproval  an approval's signature does not verify over `hash`
//   NotManifestSetMember     an approver is not a member, alias and key exactly
//   DuplicateApproval        one member approved twice
//   NotEnoughApprovals       fewer approvals than the manifest set's threshold
// A threshold of 0, or above the number of members, is refused as NotEnoughApprovals too.
Status CheckApprovals(const Manifest& manifest, const crypto::Sha256Digest& hash,
                      const std::vector<Approval>& approvals);

// DuplicateQuorumMember unless every member has a 130-byte key and no two share an alias, a
// signing key or an encryption key (QuorumOS's ensure_unique_members).
Status CheckUniqueMembers(const MemberSet& set);

// Every approval verified and from a distinct member of `set`: the share-set approvals a
// provisioned enclave has collected. Errors as above.
Status CheckMemberApproval(const MemberSet& set, const crypto::Sha256Digest& hash,
                           const Approval& approval);

}  // namespace vigil::quorum
