#include "crypto/shamir.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "base/hex.h"
#include "crypto/random.h"

namespace vigil::crypto::shamir {
namespace {

Bytes FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? *bytes : Bytes{};
}

std::string ReconstructHex(const std::vector<ByteView>& shares) {
  auto secret = Reconstruct(shares);
  if (!secret.ok()) return "error: " + secret.error().message();
  return HexEncode(secret->view());
}

std::vector<ByteView> Views(const std::vector<SecretBytes>& shares,
                            const std::vector<std::size_t>& indexes) {
  std::vector<ByteView> views;
  for (std::size_t i : indexes) views.push_back(shares[i].view());
  return views;
}

// The decrypted shares of tkhq/qos's boot-e2e fixtures (shared/vectors/README.md, qos/).
TEST(ShamirVectors, QosBootE2eSharesReconstructTheMasterSeed) {
  const Bytes user1 = FromHex("01478202ca80a059745cc7aea502c0331d87885583c2adf386a8587395b84f141a");
  const Bytes user2 = FromHex("0205b27977b9d0d01c7d0ea87583d94742ee70ac14f7d33f3b902a94f4494cbc2b");
  const Bytes user3 = FromHex("033ba2501cae095ecd6249aaccfc276b77c9d1fb90e4f97b507104c922ef4d2dcd");
  const std::string seed = "79922ba19779d7a54380ac1c7d3e1f28a0290207d187b7ed49762e431e4e85fc";
  EXPECT_EQ(ReconstructHex({user1, user2}), seed);
  EXPECT_EQ(ReconstructHex({user2, user3}), seed);
  EXPECT_EQ(ReconstructHex({user1, user3}), seed);
  EXPECT_EQ(ReconstructHex({user3, user1}), seed);
  EXPECT_EQ(ReconstructHex({user1, user2, user3}), seed);
  EXPECT_EQ(ReconstructHex({user3, user1, user2}), seed);
}

// qos_crypto's can_reconstruct_from_old_shares vector: 2 of 3, made by qos in 2022.
TEST(ShamirVectors, QosLegacySharesReconstructMyCuteLittleSecret) {
  const std::vector<Bytes> shares = {FromHex("01661fc0cc265daa4e7bde354c281dcc23a80c590249"),
                                     FromHex("027bb5fb26d326e0fc421cf604e495e3d3e4bd24ab0e"),
                                     FromHex("0370d31b89800f2f9255abb73ca0ed0f8329d20fcc33")};
  const std::string secret = HexEncode(AsBytes("my cute little secret"));
  for (std::size_t i = 0; i < shares.size(); ++i) {
    for (std::size_t j = 0; j < shares.size(); ++j) {
      if (i == j) continue;
      EXPECT_EQ(ReconstructHex({shares[i], shares[j]}), secret) << i << "," << j;
    }
  }
  EXPECT_EQ(ReconstructHex({shares[0], shares[1], shares[2]}), secret);
}

TEST(ShamirSplit, SharesHaveQosLayout) {
  const Bytes secret = FromHex("00ff10203040506070");
  auto shares = Split(secret, 3, 5);
  ASSERT_TRUE(shares.ok()) << shares.error().message();
  ASSERT_EQ(shares->size(), 5u);
  for (std::size_t i = 0; i < shares->size(); ++i) {
    EXPECT_EQ((*shares)[i].size(), secret.size() + 1);
    EXPECT_EQ((*shares)[i].data()[0], i + 1);  // x = 1..n
  }
}

// Any threshold-sized subset, in any order, gives the secret back; so does any larger subset.
TEST(ShamirSplit, RandomRoundTrips) {
  std::mt19937 rng(20240611);
  const std::vector<std::size_t> sizes = {1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 100, 1000};
  for (int round = 0; round < 300; ++round) {
    const std::size_t size = sizes[round % sizes.size()];
    const std::size_t threshold = 2 + rng() % 6;
    const std::size_t count = threshold + rng() % 6;
    auto secret = RandomSecret(size);
    ASSERT_TRUE(secret.ok());
    auto shares = Split(secret->view(), threshold, count);
    ASSERT_TRUE(shares.ok()) << shares.error().message();
    std::vector<std::size_t> order(count);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t take = threshold + rng() % (count - threshold + 1);
    order.resize(take);
    auto got = Reconstruct(Views(*shares, order));
    ASSERT_TRUE(got.ok()) << got.error().message();
    EXPECT_TRUE(ConstantTimeEqual(got->view(), secret->view()))
        << "size " << size << " threshold " << threshold << " of " << count << " using " << take;
  }
}

TEST(ShamirSplit, EverySubsetOfThreeOfFiveReconstructs) {
  auto secret = RandomSecret(32);
  ASSERT_TRUE(secret.ok());
  auto shares = Split(secret->view(), 3, 5);
  ASSERT_TRUE(shares.ok());
  for (std::size_t a = 0; a < 5; ++a) {
    for (std::size_t b = a + 1; b < 5; ++b) {
      for (std::size_t c = b + 1; c < 5; ++c) {
        auto got = Reconstruct(Views(*shares, {c, a, b}));
        ASSERT_TRUE(got.ok());
        EXPECT_TRUE(ConstantTimeEqual(got->view(), secret->view())) << a << b << c;
      }
    }
  }
}

TEST(ShamirSplit, LimitsOfTheField) {
  auto secret = RandomSecret(16);
  ASSERT_TRUE(secret.ok());
  auto all = Split(secret->view(), 255, 255);
  ASSERT_TRUE(all.ok()) << all.error().message();
  std::vector<std::size_t> every(255);
  std::iota(every.begin(), every.end(), 0);
  std::reverse(every.begin(), every.end());
  auto got = Reconstruct(Views(*all, every));
  ASSERT_TRUE(got.ok()) << got.error().message();
  EXPECT_TRUE(ConstantTimeEqual(got->view(), secret->view()));

  auto wide = Split(secret->view(), 2, 255);
  ASSERT_TRUE(wide.ok());
  got = Reconstruct(Views(*wide, {254, 127}));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(ConstantTimeEqual(got->view(), secret->view()));

  Bytes largest(kMaxSecretSize, 0xa5);
  auto big = Split(largest, 2, 3);
  ASSERT_TRUE(big.ok());
  got = Reconstruct(Views(*big, {2, 0}));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(ConstantTimeEqual(got->view(), largest));
}

// With one share fewer than the threshold the interpolation lands on an unrelated value (equal
// to the secret with probability 2^-256 for 32 bytes).
TEST(ShamirSplit, TooFewSharesGiveAnotherValue) {
  auto secret = RandomSecret(32);
  ASSERT_TRUE(secret.ok());
  auto shares = Split(secret->view(), 3, 5);
  ASSERT_TRUE(shares.ok());
  auto got = Reconstruct(Views(*shares, {0, 4}));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 32u);
  EXPECT_FALSE(ConstantTimeEqual(got->view(), secret->view()));
}

TEST(ShamirSplit, FreshCoefficientsEachTime) {
  const Bytes secret(32, 7);
  auto a = Split(secret, 2, 2);
  auto b = Split(secret, 2, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(ConstantTimeEqual((*a)[0].view(), (*b)[0].view()));
}

// Coefficients come from a per-thread buffer of CSPRNG output; a forked child must not draw the
// same bytes as its parent. With a zero secret, 2 of 2, share 1 is x = 1 and y = the coefficient.
TEST(ShamirSplit, ForkedChildDoesNotReuseParentCoefficients) {
  const Bytes zero(32, 0);
  ASSERT_TRUE(Split(zero, 2, 2).ok());  // fills this thread's buffer before the fork
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto shares = Split(zero, 2, 2);
    const bool written = shares.ok() && write(pipe_fds[1], (*shares)[0].data(), 33) == 33;
    _exit(written ? 0 : 1);
  }
  close(pipe_fds[1]);
  auto parent = Split(zero, 2, 2);
  ASSERT_TRUE(parent.ok());
  Bytes from_child(33);
  EXPECT_EQ(read(pipe_fds[0], from_child.data(), from_child.size()), 33);
  close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(ConstantTimeEqual((*parent)[0].view(), from_child));
}

void ExpectBadInput(const Status& status, const std::string& needle) {
  ASSERT_FALSE(status.ok()) << "expected an error mentioning: " << needle;
  EXPECT_EQ(status.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(status.error().message().find(needle), std::string::npos) << status.error().message();
}

TEST(ShamirErrors, SplitRejectsBadParameters) {
  const Bytes secret(32, 1);
  ExpectBadInput(Split(secret, 1, 3).status(), "at least 2");
  ExpectBadInput(Split(secret, 0, 3).status(), "at least 2");
  ExpectBadInput(Split(secret, 4, 3).status(), "exceeds the share count");
  ExpectBadInput(Split(secret, 2, 256).status(), "at most 255");
  ExpectBadInput(Split({}, 2, 3).status(), "empty secret");
  ExpectBadInput(Split(Bytes(kMaxSecretSize + 1), 2, 3).status(), "limit");
}

TEST(ShamirErrors, ReconstructRejectsMalformedShares) {
  const Bytes a = {1, 10, 11};
  const Bytes b = {2, 20, 21};
  const Bytes b_again = {2, 30, 31};
  const Bytes zero = {0, 40, 41};
  const Bytes short_share = {3, 50};
  const Bytes only_x = {3};
  ExpectBadInput(Reconstruct({}).status(), "at least 2 shares, got 0");
  ExpectBadInput(Reconstruct({a}).status(), "at least 2 shares, got 1");
  ExpectBadInput(Reconstruct({a, b, b_again}).status(), "shares 2 and 3 both have x = 2");
  ExpectBadInput(Reconstruct({a, zero}).status(), "share 2 has x = 0");
  ExpectBadInput(Reconstruct({a, short_share}).status(), "share 2 is 2 bytes but share 1 is 3");
  ExpectBadInput(Reconstruct({only_x, Bytes{4}}).status(), "share 1 is 1 bytes");
  ExpectBadInput(Reconstruct({Bytes(kMaxSecretSize + 2, 1), Bytes(kMaxSecretSize + 2, 2)}).status(),
                 "y bytes");
}

}  // namespace
}  // namespace vigil::crypto::shamir
