// ReplayStore on a real PostgreSQL (a private cluster): the same rule as the SQLite store,
// across a reopen and across two signers sharing the table.
#include <gtest/gtest.h>

#include "pg/test_cluster.h"
#include "signer/replay_store.h"

namespace vigil::signer {
namespace {

TEST(DatabaseReplayStoreTest, SignsEachBuildOncePerKeyAcrossSigners) {
  auto cluster = pg::SharedTestCluster();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message();
  auto url = (*cluster)->CreateDatabase("signer_replay");
  ASSERT_TRUE(url.ok()) << url.error().message();
  auto first = ReplayStore::OpenDatabase(*url);
  auto second = ReplayStore::OpenDatabase(*url);
  ASSERT_TRUE(first.ok() && second.ok()) << (first.ok() ? "" : first.error().message());
  ASSERT_TRUE((*first)->Reserve("key1", "b1").ok());
  auto racing = (*second)->Reserve("key1", "b1");
  ASSERT_FALSE(racing.ok());
  EXPECT_NE(racing.error().message().find("unfinished"), std::string::npos);
  ASSERT_TRUE((*first)->Complete("key1", "b1", std::string(64, 'e'), 42).ok());
  auto replay = (*second)->Reserve("key1", "b1");
  ASSERT_FALSE(replay.ok());
  EXPECT_NE(replay.error().message().find("already signed"), std::string::npos);
  EXPECT_NE(replay.error().message().find("entry 42"), std::string::npos);
  ASSERT_TRUE((*second)->Reserve("key2", "b1").ok());
  ASSERT_TRUE((*second)->Release("key2", "b1").ok());
  ASSERT_TRUE((*second)->Reserve("key2", "b1").ok());
  EXPECT_EQ((*first)->PendingCount().value(), 1u);
  EXPECT_FALSE(ReplayStore::OpenDatabase("mysql://nope").ok());
}

}  // namespace
}  // namespace vigil::signer
