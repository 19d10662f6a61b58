// ReceiptVerifier: the same verdicts as VerifyReceipt, with each checkpoint verified once.
#include "tlog/receipt_verifier.h"

#include <gtest/gtest.h>

#include "tlog/hash.h"

namespace vigil::tlog {
namespace {

struct TwoEntryLog {
  NoteSigner signer = std::move(NoteSigner::Create("example.com/log")).value();
  Bytes first{'a'};
  Bytes second{'b'};

  std::string Checkpoint(std::uint64_t size, const Hash& root) {
    return *signer.Sign(FormatCheckpointText({"example.com/log", size, root, {}}));
  }
  // The receipt of `second`, at index 1 of the two-entry tree.
  Receipt SecondReceipt() {
    const Hash root = NodeHash(LeafHash(first), LeafHash(second));
    return Receipt{second, 1, {LeafHash(first)}, Checkpoint(2, root)};
  }
};

TEST(ReceiptVerifierTest, VerifiesWhatVerifyReceiptVerifies) {
  TwoEntryLog log;
  ReceiptVerifier verifier(log.signer.verifier(), "example.com/log");
  const Receipt receipt = log.SecondReceipt();
  auto checkpoint = verifier.Verify(receipt);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->size, 2u);
  EXPECT_TRUE(verifier.Verify(receipt, log.second).ok());
  EXPECT_TRUE(VerifyReceipt(receipt, log.signer.verifier(), "example.com/log").ok());

  // Another entry, another index, a receipt without its entry.
  EXPECT_FALSE(verifier.Verify(receipt, log.first).ok());
  Receipt moved = receipt;
  moved.index = 0;
  EXPECT_FALSE(verifier.Verify(moved).ok());
  Receipt bare = receipt;
  bare.extra.reset();
  EXPECT_EQ(verifier.Verify(bare).error().code(), ErrorCode::kBadInput);
  EXPECT_TRUE(verifier.Verify(bare, log.second).ok());
}

TEST(ReceiptVerifierTest, RefusesOtherKeysAndOriginsEvenAfterCaching) {
  TwoEntryLog log;
  const Receipt receipt = log.SecondReceipt();
  ReceiptVerifier good(log.signer.verifier(), "example.com/log");
  ASSERT_TRUE(good.Verify(receipt).ok());
  ASSERT_TRUE(good.Verify(receipt).ok());  // from the cache

  ReceiptVerifier other_origin(log.signer.verifier(), "example.com/other");
  EXPECT_FALSE(other_origin.Verify(receipt).ok());
  ReceiptVerifier other_key(NoteSigner::Create("example.com/log")->verifier(), "example.com/log");
  EXPECT_FALSE(other_key.Verify(receipt).ok());

  // A cached checkpoint vouches only for its own tree: a tampered proof still fails.
  Receipt tampered = receipt;
  tampered.proof[0][0] ^= 1;
  EXPECT_FALSE(good.Verify(tampered).ok());
}

TEST(ReceiptVerifierTest, StaysBoundedWhenCheckpointsKeepChanging) {
  TwoEntryLog log;
  ReceiptVerifier verifier(log.signer.verifier(), "example.com/log", /*cache_size=*/2);
  const Hash root = NodeHash(LeafHash(log.first), LeafHash(log.second));
  for (int i = 0; i < 5; ++i) {
    // Each note differs (a new extension line), so each is verified and cached anew.
    auto note = log.signer.Sign(
        FormatCheckpointText({"example.com/log", 2, root, {"vigil-test " + std::to_string(i)}}));
    ASSERT_TRUE(note.ok());
    auto opened = verifier.OpenCheckpoint(*note);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    EXPECT_EQ(opened->root, root);
  }
  // A note whose signature does not verify is never served from the cache.
  EXPECT_FALSE(verifier.OpenCheckpoint("example.com/log\n2\nAAAA\n\n— x y\n").ok());
}

}  // namespace
}  // namespace vigil::tlog
