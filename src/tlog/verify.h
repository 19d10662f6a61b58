// Verification of RFC 9162 (RFC 6962) Merkle tree proofs: inclusion of a leaf in a tree and
// consistency of an older tree with a newer one. This is the verifier's side and shares no
// code with the writer (prove.h) beyond tlog/hash.h, so a bug in one cannot hide in the other.
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

// Checks that `proof` shows the leaf with hash `leaf_hash` at position `index` in the tree of
// `size` leaves whose root is `root` (RFC 9162 section 2.1.3.2). Proof hashes are ordered
// from the leaf up. Fails (Error::Failed) if index >= size, if the proof has the wrong
// number of hashes or if it leads to a different root.
Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);

// Returns the root that an inclusion proof leads to, for callers that compare it with a
// root they get later. Fails (Error::Failed) if index >= size or if the proof has the wrong
// number of hashes.
Result<Hash> RootFromInclusionProof(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                                    std::span<const Hash> proof);

// Checks that the tree of `size2` leaves with root `root2` extends the tree of `size1` leaves
// with root `root1` (RFC 9162 section 2.1.4.2). Equal sizes need an empty proof and equal
// roots. Fails (Error::Failed) if size1 > size2 or if size1 is 0: every tree extends the
// empty tree, so there is nothing to prove and a caller with no earlier checkpoint must skip
// the check rather than call this.
Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2);

}  // namespace vigil::tlog
