#include "release/signature_blocks.h"

#include <gtest/gtest.h>

namespace vigil::release {
namespace {

const std::string kBlockA =
    "-----BEGIN PGP SIGNATURE-----\n\naGVsbG8=\n-----END PGP SIGNATURE-----";
const std::string kBlockB =
    "-----BEGIN PGP SIGNATURE-----\n\nd29ybGQ=\n-----END PGP SIGNATURE-----";

TEST(SignatureBlocks, SplitsConsecutiveBlocksIgnoringBlankLines) {
  auto blocks = SplitSignatureBlocks("\n" + kBlockA + "\n\n" + kBlockB + "\n\n", 10);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].text, kBlockA + "\n");
  EXPECT_EQ((*blocks)[1].text, kBlockB + "\n");
  EXPECT_TRUE((*blocks)[0].malformed.empty());
}

TEST(SignatureBlocks, EmptyOrBlankTextHasNoBlocks) {
  EXPECT_TRUE(SplitSignatureBlocks("", 10)->empty());
  EXPECT_TRUE(SplitSignatureBlocks(" \n\t\r\n", 10)->empty());
}

TEST(SignatureBlocks, ReportsTextOutsideBlocksAndAMissingEnd) {
  auto blocks = SplitSignatureBlocks("junk\n" + kBlockA + "\ntrailer\n", 10);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 3u);
  EXPECT_EQ((*blocks)[0].malformed, "malformed: text outside a signature block");
  EXPECT_EQ((*blocks)[1].text, kBlockA + "\n");
  EXPECT_EQ((*blocks)[2].malformed, "malformed: text outside a signature block");

  auto cut = SplitSignatureBlocks(kBlockA + "\n-----BEGIN PGP SIGNATURE-----\nabc\n", 10);
  ASSERT_TRUE(cut.ok());
  ASSERT_EQ(cut->size(), 2u);
  EXPECT_EQ((*cut)[1].malformed, "malformed: a signature block without its END line");
}

TEST(SignatureBlocks, AnEndLineBeforeAnyBeginIsOutsideText) {
  auto blocks = SplitSignatureBlocks("-----END PGP SIGNATURE-----\n" + kBlockA, 10);
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_FALSE((*blocks)[0].malformed.empty());
  EXPECT_EQ((*blocks)[1].text, kBlockA + "\n");
}

TEST(SignatureBlocks, RefusesMoreThanTheLimit) {
  std::string many;
  for (int i = 0; i < 4; ++i) many += kBlockA + "\n";
  EXPECT_TRUE(SplitSignatureBlocks(many, 4).ok());
  auto refused = SplitSignatureBlocks(many + kBlockB, 4);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kBadInput);
}

}  // namespace
}  // namespace vigil::release
