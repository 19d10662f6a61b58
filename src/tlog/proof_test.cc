// Proof generation (prove.h) against proof verification (verify.h), the transparency-dev
// known-answer vectors and a naive RFC 6962 reference written straight from the definitions.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "tlog/hash.h"
#include "tlog/prove.h"
#include "tlog/verify.h"

namespace vigil::tlog {
namespace {

// ---- A reference written from the RFC 6962 definitions, recursive and slow on purpose. ----

Hash RefMth(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  const std::size_t k = std::bit_floor(leaves.size() - 1);
  return NodeHash(RefMth(leaves.first(k)), RefMth(leaves.subspan(k)));
}

std::vector<Hash> RefPath(std::size_t m, std::span<const Hash> leaves) {
  if (leaves.size() <= 1) return {};
  const std::size_t k = std::bit_floor(leaves.size() - 1);
  std::vector<Hash> path;
  if (m < k) {
    path = RefPath(m, leaves.first(k));
    path.push_back(RefMth(leaves.subspan(k)));
  } else {
    path = RefPath(m - k, leaves.subspan(k));
    path.push_back(RefMth(leaves.first(k)));
  }
  return path;
}

std::vector<Hash> RefSubproof(std::size_t m, std::span<const Hash> leaves, bool whole) {
  if (m == leaves.size()) {
    if (whole) return {};
    return {RefMth(leaves)};
  }
  const std::size_t k = std::bit_floor(leaves.size() - 1);
  std::vector<Hash> proof;
  if (m <= k) {
    proof = RefSubproof(m, leaves.first(k), whole);
    proof.push_back(RefMth(leaves.subspan(k)));
  } else {
    proof = RefSubproof(m - k, leaves.subspan(k), false);
    proof.push_back(RefMth(leaves.first(k)));
  }
  return proof;
}

// ---- An in-memory store fed by CompactRange, which only holds complete subtrees. ----

class MemoryLog {
 public:
  void Append(const Hash& leaf) {
    range_.Append(leaf, [this](int level, std::uint64_t index, const Hash& hash) {
      auto& row = levels_[level];
      ASSERT_EQ(index, row.size()) << "subtrees must complete left to right at level " << level;
      row.push_back(hash);
    });
    leaves_.push_back(leaf);
  }

  // A reader for the tree of the first `size` leaves: it refuses any subtree that is not
  // complete in that tree, so the prover cannot get away with reading the ragged edge, and
  // counts the reads.
  HashReader Reader(std::uint64_t size) {
    return [this, size](int level, std::uint64_t index) -> Result<Hash> {
      ++reads_;
      if (level < 0 || level > 63) return Error::Failed("bad level " + std::to_string(level));
      const std::uint64_t end = (index + 1) << level;
      if (end > size || levels_[level].size() <= index) {
        return Error::Failed("subtree (" + std::to_string(level) + ", " + std::to_string(index) +
                             ") is not complete in a tree of size " + std::to_string(size));
      }
      return levels_[level][index];
    };
  }

  const CompactRange& range() const { return range_; }
  std::span<const Hash> leaves() const { return leaves_; }
  int reads() const { return reads_; }
  void ResetReads() { reads_ = 0; }

 private:
  CompactRange range_;
  std::map<int, std::vector<Hash>> levels_;
  std::vector<Hash> leaves_;
  int reads_ = 0;
};

Hash TestLeaf(std::uint64_t i) {
  const std::string entry = "entry " + std::to_string(i);
  return LeafHash(AsBytes(entry));
}

MemoryLog BuildLog(std::uint64_t size) {
  MemoryLog log;
  for (std::uint64_t i = 0; i < size; ++i) log.Append(TestLeaf(i));
  return log;
}

// ---- The transparency-dev vectors. ----

// Relative to the project root, where ctest runs the tests. (__FILE__ cannot help: the build
// maps the source directory away with -ffile-prefix-map.)
constexpr char kVectorDir[] = "tests/data/rfc6962";

// Proof and leaf hashes must decode to exactly 32 bytes: the verifier takes Hash, so
// anything else is refused here, and that refusal counts as rejecting the vector.
std::optional<Hash> DecodeHash(const nlohmann::json& text) {
  auto bytes = Base64Decode(text.get<std::string>());
  if (!bytes.ok() || bytes->size() != sizeof(Hash)) return std::nullopt;
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

// Roots may be placeholders such as base64("don't care 1") or "" that only have to compare
// equal or different: they map to SHA-256 of a label and their bytes, which keeps them
// distinct from each other and from every real root, and leaves the verdict to the verifier.
std::optional<Hash> DecodeRoot(const nlohmann::json& text) {
  auto bytes = Base64Decode(text.get<std::string>());
  if (!bytes.ok()) return std::nullopt;
  if (bytes->size() == sizeof(Hash)) return DecodeHash(text);
  Bytes labelled(AsBytes("proof_test placeholder root:").begin(),
                 AsBytes("proof_test placeholder root:").end());
  labelled.insert(labelled.end(), bytes->begin(), bytes->end());
  return crypto::Sha256(labelled);
}

std::optional<std::vector<Hash>> DecodeProof(const nlohmann::json& proof) {
  std::vector<Hash> hashes;
  if (proof.is_null()) return hashes;  // some vectors write an empty proof as null
  for (const auto& element : proof) {
    auto hash = DecodeHash(element);
    if (!hash) return std::nullopt;
    hashes.push_back(*hash);
  }
  return hashes;
}

// Returns an empty string if the vector is accepted, else why it was rejected.
std::string RunInclusionVector(const nlohmann::json& v) {
  auto leaf = DecodeHash(v.at("leafHash"));
  auto root = DecodeRoot(v.at("root"));
  auto proof = DecodeProof(v.at("proof"));
  if (!leaf || !root || !proof) return "harness: a hash is not 32 bytes of base64";
  Status status = VerifyInclusion(v.at("leafIdx").get<std::uint64_t>(),
                                  v.at("treeSize").get<std::uint64_t>(), *leaf, *proof, *root);
  return status.ok() ? "" : status.error().message();
}

std::string RunConsistencyVector(const nlohmann::json& v) {
  auto root1 = DecodeRoot(v.at("root1"));
  auto root2 = DecodeRoot(v.at("root2"));
  auto proof = DecodeProof(v.at("proof"));
  if (!root1 || !root2 || !proof) return "harness: a hash is not 32 bytes of base64";
  Status status = VerifyConsistency(v.at("size1").get<std::uint64_t>(),
                                    v.at("size2").get<std::uint64_t>(), *proof, *root1, *root2);
  return status.ok() ? "" : status.error().message();
}

TEST(ProofVectors, AcceptedIffWantErrIsFalse) {
  const std::filesystem::path dir = kVectorDir;
  ASSERT_TRUE(std::filesystem::is_directory(dir))
      << dir << " not found; run the test from the project root, as ctest does";
  int files = 0;
  int accepted = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(dir)) {
    if (!item.is_regular_file() || item.path().extension() != ".json") continue;
    ++files;
    std::ifstream in(item.path());
    const nlohmann::json vector = nlohmann::json::parse(in);
    const std::string relative = std::filesystem::relative(item.path(), dir).string();
    const bool inclusion = relative.starts_with("inclusion/");
    ASSERT_TRUE(inclusion || relative.starts_with("consistency/")) << relative;
    const std::string why = inclusion ? RunInclusionVector(vector) : RunConsistencyVector(vector);
    const bool want_err = vector.at("wantErr").get<bool>();
    EXPECT_EQ(why.empty(), !want_err)
        << relative << " (" << vector.at("desc").get<std::string>() << "): " << why;
    if (why.empty()) ++accepted;
  }
  // 196 files, 12 of them to accept; a lower count means the vectors were not all found.
  EXPECT_EQ(files, 196);
  EXPECT_EQ(accepted, 12);
}

// ---- The README's reference tree. ----

TEST(ProofVectors, ReferenceTreeRoots) {
  const std::vector<std::string> leaf_hex = {"",
                                             "00",
                                             "10",
                                             "2021",
                                             "3031",
                                             "40414243",
                                             "5051525354555657",
                                             "606162636465666768696a6b6c6d6e6f"};
  const std::vector<std::string> root_hex = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MemoryLog log;
  for (std::size_t n = 0; n < root_hex.size(); ++n) {
    if (n > 0) {
      auto entry = HexDecode(leaf_hex[n - 1]);
      ASSERT_TRUE(entry.ok());
      log.Append(LeafHash(*entry));
    }
    EXPECT_EQ(HexEncode(log.range().Root()), root_hex[n]) << "CompactRange, size " << n;
    auto root = TreeRoot(n, log.Reader(n));
    ASSERT_TRUE(root.ok()) << root.error().message();
    EXPECT_EQ(HexEncode(*root), root_hex[n]) << "TreeRoot, size " << n;
  }
}

// ---- Generated proofs, checked against the reference and the verifier. ----

Hash Tampered(Hash hash, std::size_t byte) {
  hash[byte % hash.size()] ^= 0x01;
  return hash;
}

// Checks one inclusion proof end to end and that any change to it is caught.
void CheckInclusion(MemoryLog& log, std::uint64_t index, std::uint64_t size, std::mt19937_64& rng) {
  SCOPED_TRACE("inclusion of " + std::to_string(index) + " in " + std::to_string(size));
  log.ResetReads();
  auto proof = InclusionProof(index, size, log.Reader(size));
  ASSERT_TRUE(proof.ok()) << proof.error().message();
  // Only O(log n) complete subtrees: the siblings and one decomposed right edge.
  EXPECT_LE(log.reads(), 2 * static_cast<int>(std::bit_width(size)));
  auto root = TreeRoot(size, log.Reader(size));
  ASSERT_TRUE(root.ok()) << root.error().message();
  const Hash& leaf = log.leaves()[index];
  ASSERT_TRUE(VerifyInclusion(index, size, leaf, *proof, *root).ok());

  if (!proof->empty()) {
    std::vector<Hash> bad = *proof;
    const std::size_t which = rng() % bad.size();
    bad[which] = Tampered(bad[which], rng());
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, bad, *root).ok());
    bad = *proof;
    bad.pop_back();
    EXPECT_FALSE(VerifyInclusion(index, size, leaf, bad, *root).ok());
  }
  std::vector<Hash> longer = *proof;
  longer.push_back(leaf);
  EXPECT_FALSE(VerifyInclusion(index, size, leaf, longer, *root).ok());
  EXPECT_FALSE(VerifyInclusion(index, size, Tampered(leaf, rng()), *proof, *root).ok());
  EXPECT_FALSE(VerifyInclusion(index, size, leaf, *proof, Tampered(*root, rng())).ok());
  if (size > 1) {
    const std::uint64_t other = (index + 1) % size;
    EXPECT_FALSE(VerifyInclusion(other, size, leaf, *proof, *root).ok());
  }
}

// Checks one consistency proof end to end and that any change to it is caught.
void CheckConsistency(MemoryLog& log, std::uint64_t size1, std::uint64_t size2,
                      std::mt19937_64& rng) {
  SCOPED_TRACE("consistency " + std::to_string(size1) + " -> " + std::to_string(size2));
  log.ResetReads();
  auto proof = ConsistencyProof(size1, size2, log.Reader(size2));
  ASSERT_TRUE(proof.ok()) << proof.error().message();
  EXPECT_LE(log.reads(), 3 * static_cast<int>(std::bit_width(size2)));
  auto root1 = TreeRoot(size1, log.Reader(size1));
  auto root2 = TreeRoot(size2, log.Reader(size2));
  ASSERT_TRUE(root1.ok() && root2.ok());
  ASSERT_TRUE(VerifyConsistency(size1, size2, *proof, *root1, *root2).ok());

  if (!proof->empty()) {
    std::vector<Hash> bad = *proof;
    const std::size_t which = rng() % bad.size();
    bad[which] = Tampered(bad[which], rng());
    EXPECT_FALSE(VerifyConsistency(size1, size2, bad, *root1, *root2).ok());
    bad = *proof;
    bad.pop_back();
    EXPECT_FALSE(VerifyConsistency(size1, size2, bad, *root1, *root2).ok());
  }
  std::vector<Hash> longer = *proof;
  longer.push_back(*root1);
  EXPECT_FALSE(VerifyConsistency(size1, size2, longer, *root1, *root2).ok());
  EXPECT_FALSE(VerifyConsistency(size1, size2, *proof, Tampered(*root1, rng()), *root2).ok());
  EXPECT_FALSE(VerifyConsistency(size1, size2, *proof, *root1, Tampered(*root2, rng())).ok());
  // Not checked: the same proof and roots under another size2. RFC 6962 roots do not commit
  // to the tree size (1 -> 3 and 1 -> 4 proofs have the same shape), which is why
  // checkpoints sign the size next to the root.
  if (size1 != size2) {
    EXPECT_FALSE(VerifyConsistency(size2, size1, *proof, *root2, *root1).ok());
  }
}

TEST(Proofs, MatchTheRfcDefinitionsForSmallTrees) {
  MemoryLog log = BuildLog(70);
  for (std::uint64_t n = 1; n <= 70; ++n) {
    const std::span<const Hash> leaves = log.leaves().first(n);
    auto root = TreeRoot(n, log.Reader(n));
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, RefMth(leaves)) << n;
    for (std::uint64_t m = 0; m < n; ++m) {
      auto proof = InclusionProof(m, n, log.Reader(n));
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, RefPath(m, leaves)) << m << " in " << n;
    }
    for (std::uint64_t m = 1; m <= n; ++m) {
      auto proof = ConsistencyProof(m, n, log.Reader(n));
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, RefSubproof(m, leaves, true)) << m << " -> " << n;
    }
  }
}

TEST(Proofs, RoundTripThroughTheVerifierUpTo300) {
  std::mt19937_64 rng(6962);
  MemoryLog log = BuildLog(300);
  for (std::uint64_t n = 1; n <= 300; ++n) {
    auto root = TreeRoot(n, log.Reader(n));
    ASSERT_TRUE(root.ok());
    ASSERT_EQ(*root, CompactRange::Resume(n, log.Reader(n))->Root()) << n;
    // Every pair for small trees, a random sample (plus both ends) for bigger ones.
    const bool all = n <= 100;
    for (std::uint64_t i = 0; i < (all ? n : 40); ++i) {
      const std::uint64_t index = all ? i : (i == 0 ? n - 1 : rng() % n);
      CheckInclusion(log, index, n, rng);
      const std::uint64_t size1 = all ? i + 1 : (i == 0 ? n : rng() % n + 1);
      CheckConsistency(log, size1, n, rng);
    }
  }
}

TEST(Proofs, RoundTripInBigTrees) {
  std::mt19937_64 rng(9162);
  MemoryLog log = BuildLog(70000);
  EXPECT_EQ(log.range().Root(), RefMth(log.leaves()));
  for (const std::uint64_t n : {1000, 1024, 1025, 65535, 65536, 65537, 70000}) {
    auto root = TreeRoot(n, log.Reader(n));
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, RefMth(log.leaves().first(n))) << n;
    for (int sample = 0; sample < 60; ++sample) {
      CheckInclusion(log, rng() % n, n, rng);
      CheckConsistency(log, rng() % n + 1, n, rng);
    }
    CheckInclusion(log, 0, n, rng);
    CheckInclusion(log, n - 1, n, rng);
    CheckConsistency(log, 1, n, rng);
    CheckConsistency(log, n - 1, n, rng);
    CheckConsistency(log, n, n, rng);
  }
}

// ---- CompactRange. ----

TEST(CompactRange, ReportsEveryCompletedSubtree) {
  CompactRange range;
  std::vector<std::string> seen;
  for (std::uint64_t i = 0; i < 4; ++i) {
    range.Append(TestLeaf(i), [&seen](int level, std::uint64_t index, const Hash&) {
      seen.push_back(std::to_string(level) + "/" + std::to_string(index));
    });
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"0/0", "0/1", "1/0", "0/2", "0/3", "1/1", "2/0"}));
  EXPECT_EQ(range.size(), 4u);
  EXPECT_EQ(range.border().size(), 1u);
  range.Append(TestLeaf(4), nullptr);  // the callback is optional
  EXPECT_EQ(range.size(), 5u);
  EXPECT_EQ(range.border().size(), 2u);
}

TEST(CompactRange, ResumesAndKeepsGrowingLikeTheOriginal) {
  MemoryLog log = BuildLog(300);
  for (const std::uint64_t size : {0, 1, 2, 3, 7, 8, 13, 255, 256, 257, 299}) {
    auto resumed = CompactRange::Resume(size, log.Reader(size));
    ASSERT_TRUE(resumed.ok()) << resumed.error().message();
    EXPECT_EQ(resumed->size(), size);
    EXPECT_EQ(resumed->border().size(), static_cast<std::size_t>(std::popcount(size)));
    EXPECT_EQ(resumed->Root(), RefMth(log.leaves().first(size))) << size;
    CompactRange copy(resumed->size(), resumed->border());
    for (std::uint64_t i = size; i < 300; ++i) {
      resumed->Append(log.leaves()[i], nullptr);
      copy.Append(log.leaves()[i], nullptr);
    }
    EXPECT_EQ(resumed->Root(), log.range().Root()) << size;
    EXPECT_EQ(copy.Root(), log.range().Root()) << size;
  }
}

TEST(CompactRange, ResumeNamesTheSubtreesItReads) {
  std::vector<std::string> reads;
  const HashReader read = [&reads](int level, std::uint64_t index) -> Result<Hash> {
    reads.push_back(std::to_string(level) + "/" + std::to_string(index));
    return TestLeaf(0);
  };
  ASSERT_TRUE(CompactRange::Resume(0b1101, read).ok());
  EXPECT_EQ(reads, (std::vector<std::string>{"3/0", "2/2", "0/12"}));
}

TEST(CompactRangeDeathTest, WrongBorderCountAborts) {
  const std::vector<Hash> one_hash = {TestLeaf(0)};
  EXPECT_DEATH({ CompactRange range(3, one_hash); }, "");
}

// ---- Errors. ----

TEST(Proofs, BadArgumentsAreBadInput) {
  MemoryLog log = BuildLog(8);
  auto inclusion = InclusionProof(8, 8, log.Reader(8));
  ASSERT_FALSE(inclusion.ok());
  EXPECT_EQ(inclusion.error().code(), ErrorCode::kBadInput);
  for (const auto& [size1, size2] : {std::pair<std::uint64_t, std::uint64_t>{0, 8}, {5, 3}}) {
    auto consistency = ConsistencyProof(size1, size2, log.Reader(8));
    ASSERT_FALSE(consistency.ok());
    EXPECT_EQ(consistency.error().code(), ErrorCode::kBadInput);
  }
  auto same = ConsistencyProof(8, 8, log.Reader(8));
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->empty());
  auto empty_root = TreeRoot(0, log.Reader(0));
  ASSERT_TRUE(empty_root.ok());
  EXPECT_EQ(*empty_root, EmptyRoot());
}

TEST(Proofs, ReaderErrorsPassThrough) {
  const HashReader broken = [](int, std::uint64_t) -> Result<Hash> {
    return Error::MissingEnv("the hash store is gone");
  };
  auto root = TreeRoot(5, broken);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error().code(), ErrorCode::kMissingEnv);
  auto proof = InclusionProof(2, 5, broken);
  ASSERT_FALSE(proof.ok());
  EXPECT_EQ(proof.error().message(), "the hash store is gone");
  auto consistency = ConsistencyProof(3, 5, broken);
  ASSERT_FALSE(consistency.ok());
  EXPECT_EQ(consistency.error().code(), ErrorCode::kMissingEnv);
  auto resumed = CompactRange::Resume(5, broken);
  ASSERT_FALSE(resumed.ok());
  EXPECT_EQ(resumed.error().code(), ErrorCode::kMissingEnv);
}

TEST(Verify, MessagesSayWhatIsWrong) {
  const Hash leaf = TestLeaf(0);
  Status beyond = VerifyInclusion(5, 3, leaf, {}, leaf);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code(), ErrorCode::kFailed);
  EXPECT_NE(beyond.error().message().find("index 5 is beyond tree size 3"), std::string::npos)
      << beyond.error().message();

  const std::vector<Hash> three = {leaf, leaf, leaf};
  Status length = VerifyInclusion(0, 3, leaf, three, leaf);
  ASSERT_FALSE(length.ok());
  EXPECT_NE(length.error().message().find("proof has 3 hashes, expected 2"), std::string::npos)
      << length.error().message();

  Status mismatch = VerifyInclusion(0, 1, leaf, {}, TestLeaf(1));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("inclusion proof does not match the root"),
            std::string::npos)
      << mismatch.error().message();

  Status backwards = VerifyConsistency(4, 3, {}, leaf, leaf);
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().code(), ErrorCode::kFailed);
  Status from_empty = VerifyConsistency(0, 3, {}, EmptyRoot(), leaf);
  ASSERT_FALSE(from_empty.ok());
  EXPECT_NE(from_empty.error().message().find("empty tree"), std::string::npos);
  Status fork = VerifyConsistency(3, 3, {}, leaf, TestLeaf(1));
  ASSERT_FALSE(fork.ok());
  EXPECT_NE(fork.error().message().find("forked"), std::string::npos);
  EXPECT_TRUE(VerifyConsistency(3, 3, {}, leaf, leaf).ok());
}

TEST(Verify, HandlesTheLargestTreeSizes) {
  // Sizes near 2^64 exercise the shifts by 64 that the length formulas must avoid. The
  // proofs are garbage, so only the length checks and the absence of UB matter here.
  const std::uint64_t max = ~std::uint64_t{0};
  const Hash leaf = TestLeaf(0);
  const std::vector<Hash> many(64, leaf);
  for (const std::uint64_t index : {std::uint64_t{0}, max / 2, max / 2 + 1, max - 1}) {
    auto root = RootFromInclusionProof(index, max, leaf, many);
    auto shorter = RootFromInclusionProof(index, max, leaf, std::span(many).first(63));
    EXPECT_TRUE(root.ok() || shorter.ok()) << index;
  }
  EXPECT_FALSE(VerifyConsistency(max / 2 + 1, max, many, leaf, leaf).ok());
  EXPECT_FALSE(VerifyConsistency(max - 1, max, many, leaf, leaf).ok());
  EXPECT_FALSE(VerifyConsistency(1, max, many, leaf, leaf).ok());
}

}  // namespace
}  // namespace vigil::tlog
