// The log writer's side of RFC 9162 (RFC 6962) Merkle trees: tree roots, inclusion and
// consistency proofs computed from stored hashes of complete subtrees, and CompactRange, the
// in-memory right edge of a growing tree. Verifiers use verify.h instead.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

// Returns the hash of the complete subtree at `level` (level 0 = leaf hashes) that covers the
// leaves [index * 2^level, (index + 1) * 2^level). The functions below only ask for subtrees
// that are complete in the tree they work on, so a store never has to keep hashes of the
// ragged right edge, which change as the log grows. Errors are passed through unchanged.
using HashReader = std::function<Result<Hash>(int level, std::uint64_t index)>;

// Returns the RFC 6962 root of the tree of the first `size` leaves (EmptyRoot() for 0).
Result<Hash> TreeRoot(std::uint64_t size, const HashReader& read);

// Returns the RFC 6962 inclusion proof (audit path) of leaf `index` in the tree of `size`
// leaves, ordered from the leaf up. Error::BadInput if index >= size.
Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                         const HashReader& read);

// Returns the RFC 6962 consistency proof that the tree of `size2` leaves extends the tree of
// its first `size1` leaves; empty when the sizes are equal. Error::BadInput unless
// 0 < size1 <= size2 (a proof from the empty tree is meaningless, see VerifyConsistency).
Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2,
                                           const HashReader& read);

// The right edge of a tree: the hashes of the complete subtrees along its right border, one
// per set bit of the size, which is all that is needed to append leaves and compute the root.
class CompactRange {
 public:
  // Called for each subtree an append completes: the new leaf itself at level 0, then every
  // subtree it completes above, in increasing level. A store persists these hashes to serve
  // HashReader later.
  using OnComplete = std::function<void(int level, std::uint64_t index, const Hash& hash)>;

  // The empty tree.
  CompactRange() = default;

  // Resumes a tree of `size` leaves from the hashes of its border, biggest subtree first:
  // for each set bit b of `size`, from the highest to the lowest, the hash of the complete
  // subtree at level b covering leaves [start, start + 2^b), where start is the sum of the
  // higher set bits (i.e. HashReader(b, start >> b)). For size 0b1101 that is (3, 0), (2, 2),
  // (0, 12). Passing a number of hashes other than popcount(size) is a programming error and
  // aborts; use Resume() to read them from a store.
  CompactRange(std::uint64_t size, std::vector<Hash> border);

  // Reads the border hashes of a tree of `size` leaves from `read`, as documented at the
  // constructor.
  static Result<CompactRange> Resume(std::uint64_t size, const HashReader& read);

  // Appends a leaf hash (LeafHash(entry)) and reports every completed subtree to
  // `on_complete`, which may be empty. Appending beyond 2^64 - 1 leaves aborts.
  void Append(const Hash& leaf, const OnComplete& on_complete);

  // Returns the number of leaves.
  std::uint64_t size() const { return size_; }

  // Returns the border hashes, biggest subtree first, as the constructor takes them.
  const std::vector<Hash>& border() const { return border_; }

  // Returns the RFC 6962 root of the current tree (EmptyRoot() when empty).
  Hash Root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Hash> border_;
};

}  // namespace vigil::tlog
