#include "signer/replay_store.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace vigil::signer {
namespace {

TEST(ReplayStoreTest, SignsEachBuildOncePerKeyAcrossRestarts) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-replay-test.");
  ASSERT_TRUE(temp.ok());
  {
    auto store = ReplayStore::Open(temp->path());
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->Reserve("key1", "b1").ok());
    // In progress: a concurrent request for the same pair is refused.
    auto again = (*store)->Reserve("key1", "b1");
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message().find("unfinished"), std::string::npos);
    // A released reservation (the ledger refused the record) can be retried.
    ASSERT_TRUE((*store)->Release("key1", "b1").ok());
    ASSERT_TRUE((*store)->Reserve("key1", "b1").ok());
    ASSERT_TRUE((*store)->Complete("key1", "b1", std::string(64, 'e'), 42).ok());
    // Another key may sign the same build; the same key another build.
    EXPECT_TRUE((*store)->Reserve("key2", "b1").ok());
    EXPECT_TRUE((*store)->Reserve("key1", "b2").ok());
  }
  auto reopened = ReplayStore::Open(temp->path());
  ASSERT_TRUE(reopened.ok());
  auto replay = (*reopened)->Reserve("key1", "b1");
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.error().message().find("already signed"), std::string::npos);
  EXPECT_NE(replay.error().message().find("42"), std::string::npos);
  // The two reservations never completed survive as pending, and stay refused.
  auto pending = (*reopened)->PendingCount();
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 2u);
  EXPECT_FALSE((*reopened)->Reserve("key2", "b1").ok());
  // Completing something never reserved is an error, not a silent success.
  EXPECT_FALSE((*reopened)->Complete("key3", "b9", std::string(64, 'e'), 1).ok());
}

}  // namespace
}  // namespace vigil::signer
