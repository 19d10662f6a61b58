#include "tlog/prove.h"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <limits>
#include <string>
#include <utility>

namespace vigil::tlog {
namespace {

// Where RFC 6962 splits a tree of n >= 2 leaves: the largest power of two below n.
std::uint64_t SplitPoint(std::uint64_t n) { return std::bit_floor(n - 1); }

// Returns the RFC 6962 hash of leaves [lo, hi), a node of the tree's shape: lo is a multiple
// of bit_ceil(hi - lo). Such a node is a run of complete subtrees of decreasing size, so it
// is computed from those alone (read left to right, folded right to left), never from
// hashes of incomplete subtrees, which a store does not keep.
Result<Hash> RangeHash(std::uint64_t lo, std::uint64_t hi, const HashReader& read) {
  std::vector<Hash> parts;
  while (lo < hi) {
    const int level = static_cast<int>(std::bit_width(hi - lo)) - 1;
    VIGIL_ASSIGN_OR_RETURN(Hash part, read(level, lo >> level));
    parts.push_back(part);
    lo += std::uint64_t{1} << level;
  }
  Hash hash = parts.back();
  for (std::size_t i = parts.size() - 1; i > 0; --i) hash = NodeHash(parts[i - 1], hash);
  return hash;
}

}  // namespace

Result<Hash> TreeRoot(std::uint64_t size, const HashReader& read) {
  if (size == 0) return EmptyRoot();
  return RangeHash(0, size, read);
}

Result<std::vector<Hash>> InclusionProof(std::uint64_t index, std::uint64_t size,
                                         const HashReader& read) {
  if (index >= size) {
    return Error::BadInput("cannot prove inclusion of index " + std::to_string(index) +
                           " in a tree of size " + std::to_string(size) +
                           "; the entry must be below the tree size");
  }
  // RFC 6962 PATH(m, D[n]), walked from the root down: the sibling of each node on the way
  // to the leaf. The proof lists them from the leaf up.
  std::vector<Hash> proof;
  std::uint64_t lo = 0;
  std::uint64_t hi = size;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + SplitPoint(hi - lo);
    if (index < mid) {
      VIGIL_ASSIGN_OR_RETURN(Hash sibling, RangeHash(mid, hi, read));
      proof.push_back(sibling);
      hi = mid;
    } else {
      VIGIL_ASSIGN_OR_RETURN(Hash sibling, RangeHash(lo, mid, read));
      proof.push_back(sibling);
      lo = mid;
    }
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

Result<std::vector<Hash>> ConsistencyProof(std::uint64_t size1, std::uint64_t size2,
                                           const HashReader& read) {
  if (size1 == 0 || size1 > size2) {
    return Error::BadInput("cannot prove consistency from tree size " + std::to_string(size1) +
                           " to " + std::to_string(size2) +
                           "; the old size must be at least 1 and at most the new size");
  }
  // RFC 6962 SUBPROOF(m, D[n], true), walked from the root down. `whole_old_tree` is the b
  // flag: while it holds, the node ending at size1 is the old root, which the verifier has.
  std::vector<Hash> siblings;
  std::vector<Hash> proof;
  std::uint64_t lo = 0;
  std::uint64_t hi = size2;
  bool whole_old_tree = true;
  while (size1 != hi) {
    const std::uint64_t mid = lo + SplitPoint(hi - lo);
    if (size1 <= mid) {
      VIGIL_ASSIGN_OR_RETURN(Hash sibling, RangeHash(mid, hi, read));
      siblings.push_back(sibling);
      hi = mid;
    } else {
      VIGIL_ASSIGN_OR_RETURN(Hash sibling, RangeHash(lo, mid, read));
      siblings.push_back(sibling);
      lo = mid;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    VIGIL_ASSIGN_OR_RETURN(Hash seed, RangeHash(lo, hi, read));
    proof.push_back(seed);
  }
  proof.insert(proof.end(), siblings.rbegin(), siblings.rend());
  return proof;
}

CompactRange::CompactRange(std::uint64_t size, std::vector<Hash> border)
    : size_(size), border_(std::move(border)) {
  // A wrong count would silently give wrong roots forever after; fail loudly instead.
  if (border_.size() != static_cast<std::size_t>(std::popcount(size_))) std::abort();
}

Result<CompactRange> CompactRange::Resume(std::uint64_t size, const HashReader& read) {
  std::vector<Hash> border;
  std::uint64_t start = 0;
  for (int level = 63; level >= 0; --level) {
    const std::uint64_t span = std::uint64_t{1} << level;
    if ((size & span) == 0) continue;
    auto hash = read(level, start >> level);
    if (!hash.ok()) {
      return hash.error().WithContext("resuming the tree of size " + std::to_string(size));
    }
    border.push_back(*hash);
    start += span;
  }
  return CompactRange(size, std::move(border));
}

void CompactRange::Append(const Hash& leaf, const OnComplete& on_complete) {
  if (size_ == std::numeric_limits<std::uint64_t>::max()) std::abort();
  if (on_complete) on_complete(0, size_, leaf);
  border_.push_back(leaf);
  // Each trailing 1 bit of the old size is a complete subtree that the new leaf's subtree
  // now pairs with; merging carries like a binary increment.
  for (int level = 0; ((size_ >> level) & 1) == 1; ++level) {
    const Hash right = border_.back();
    border_.pop_back();
    const Hash merged = NodeHash(border_.back(), right);
    border_.back() = merged;
    if (on_complete) on_complete(level + 1, size_ >> (level + 1), merged);
  }
  ++size_;
}

Hash CompactRange::Root() const {
  if (border_.empty()) return EmptyRoot();
  Hash hash = border_.back();
  for (std::size_t i = border_.size() - 1; i > 0; --i) hash = NodeHash(border_[i - 1], hash);
  return hash;
}

}  // namespace vigil::tlog
