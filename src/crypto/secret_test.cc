#include "crypto/secret.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace vigil::crypto {
namespace {

TEST(SecretBytes, HoldsACopyAndMovesOwnership) {
  Bytes raw = {1, 2, 3};
  SecretBytes a(raw);
  EXPECT_EQ(Bytes(a.view().begin(), a.view().end()), raw);
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_TRUE(
      a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is part of the contract
  SecretBytes c = b.Clone();
  EXPECT_TRUE(ConstantTimeEqual(b.view(), c.view()));
}

TEST(SecretBytes, ConstantTimeEqualComparesContentAndSize) {
  Bytes x = {1, 2, 3};
  Bytes y = {1, 2, 4};
  Bytes z = {1, 2};
  EXPECT_TRUE(ConstantTimeEqual(x, x));
  EXPECT_FALSE(ConstantTimeEqual(x, y));
  EXPECT_FALSE(ConstantTimeEqual(x, z));
  EXPECT_TRUE(ConstantTimeEqual({}, {}));
}

TEST(Random, ProducesDistinctSecrets) {
  auto a = RandomSecret(32);
  auto b = RandomSecret(32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 32u);
  EXPECT_FALSE(ConstantTimeEqual(a->view(), b->view()));
}

}  // namespace
}  // namespace vigil::crypto
