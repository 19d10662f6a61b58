#include "tlog/verify.h"

#include <bit>
#include <cstddef>
#include <string>

namespace vigil::tlog {
namespace {

// Shifts a value right; shifting a 64-bit value by 64 is undefined, and means "nothing left".
std::uint64_t ShiftRight(std::uint64_t value, int bits) { return bits >= 64 ? 0 : value >> bits; }

// The length of the inclusion proof of leaf `index` in a tree of `size` leaves: one sibling
// per level where the paths to `index` and to the last leaf differ, then one left sibling per
// level where the path runs along the right border as a right child.
std::size_t InclusionProofLength(std::uint64_t index, std::uint64_t size) {
  const int inner = static_cast<int>(std::bit_width(index ^ (size - 1)));
  const int border = std::popcount(ShiftRight(index, inner));
  const int length = inner + border;
  return static_cast<std::size_t>(length);
}

// The length of the consistency proof from `size1` to `size2` (0 < size1 < size2): the
// inclusion proof of the biggest complete subtree that ends at size1, plus that subtree's
// hash unless it is the whole old tree (which the verifier already has as root1).
std::size_t ConsistencyProofLength(std::uint64_t size1, std::uint64_t size2) {
  const int shift = std::countr_zero(size1);
  const int inner = static_cast<int>(std::bit_width((size1 - 1) ^ (size2 - 1)));
  const int border = std::popcount(ShiftRight(size1 - 1, inner));
  const int has_seed = std::has_single_bit(size1) ? 0 : 1;
  const int length = has_seed + (inner - shift) + border;
  return static_cast<std::size_t>(length);
}

std::string WrongLength(std::size_t got, std::size_t want) {
  return "proof has " + std::to_string(got) + " hashes, expected " + std::to_string(want);
}

}  // namespace

Result<Hash> RootFromInclusionProof(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                                    std::span<const Hash> proof) {
  if (index >= size) {
    return Error::Failed("inclusion proof: index " + std::to_string(index) +
                         " is beyond tree size " + std::to_string(size) +
                         "; ask the log for a proof against a newer checkpoint");
  }
  const std::size_t want = InclusionProofLength(index, size);
  if (proof.size() != want) {
    return Error::Failed("inclusion proof for index " + std::to_string(index) + " in tree size " +
                         std::to_string(size) + ": " + WrongLength(proof.size(), want));
  }
  // RFC 9162 section 2.1.3.2, step by step; the length check above makes the "sn == 0"
  // failures unreachable, but they stay as a second line of defence.
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Error::Failed("inclusion proof: " + WrongLength(proof.size(), want));
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      // Climb over the levels where this node is the last one and has no right sibling.
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Error::Failed("inclusion proof: " + WrongLength(proof.size(), want));
  return r;
}

Status VerifyInclusion(std::uint64_t index, std::uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  VIGIL_ASSIGN_OR_RETURN(const Hash computed,
                         RootFromInclusionProof(index, size, leaf_hash, proof));
  if (computed != root) {
    return Error::Failed("inclusion proof does not match the root: the entry is not at index " +
                         std::to_string(index) + " of the tree of size " + std::to_string(size) +
                         " with this root; check the entry, its index and the checkpoint");
  }
  return OkStatus();
}

Status VerifyConsistency(std::uint64_t size1, std::uint64_t size2, std::span<const Hash> proof,
                         const Hash& root1, const Hash& root2) {
  const std::string sizes = std::to_string(size1) + " -> " + std::to_string(size2);
  if (size1 > size2) {
    return Error::Failed("consistency proof " + sizes +
                         ": the old tree is bigger than the new one; pass the older checkpoint "
                         "first");
  }
  if (size1 == 0) {
    return Error::Failed("consistency proof " + sizes +
                         ": every tree extends the empty tree, so there is nothing to verify; "
                         "skip the check when there is no earlier checkpoint");
  }
  if (size1 == size2) {
    if (!proof.empty()) {
      return Error::Failed("consistency proof " + sizes + ": " + WrongLength(proof.size(), 0));
    }
    if (root1 != root2) {
      return Error::Failed("consistency check " + sizes +
                           ": two different roots for the same tree size; the log has forked "
                           "or one checkpoint is forged");
    }
    return OkStatus();
  }
  const std::size_t want = ConsistencyProofLength(size1, size2);
  if (proof.size() != want) {
    return Error::Failed("consistency proof " + sizes + ": " + WrongLength(proof.size(), want));
  }

  // RFC 9162 section 2.1.4.2. When size1 is a power of two, the old root is itself the
  // first node of the path instead of being sent in the proof.
  const bool seed_is_root1 = std::has_single_bit(size1);
  std::size_t next = seed_is_root1 ? 0 : 1;
  const Hash seed = seed_is_root1 ? root1 : proof[0];
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = seed;
  Hash sr = seed;
  for (; next < proof.size(); ++next) {
    const Hash& c = proof[next];
    if (sn == 0) {
      return Error::Failed("consistency proof " + sizes + ": " + WrongLength(proof.size(), want));
    }
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return Error::Failed("consistency proof " + sizes + ": " + WrongLength(proof.size(), want));
  }
  if (fr != root1) {
    return Error::Failed("consistency proof " + sizes +
                         " does not match the old root; the proof or the old checkpoint is wrong");
  }
  if (sr != root2) {
    return Error::Failed("consistency proof " + sizes +
                         " does not match the new root; the new checkpoint does not extend the "
                         "old one, or the proof is wrong");
  }
  return OkStatus();
}

}  // namespace vigil::tlog
