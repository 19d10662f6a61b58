// The signer's table against a real PostgreSQL: one reservation per (key, build) however
// many signers race for it, completion, release, and what a repeat finds.
#include "pg/replay_table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pg/test_cluster.h"

namespace vigil::pg {
namespace {

class ReplayTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = SharedTestCluster();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message();
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string db = "replay_";
    for (const char c : name) db += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto url = (*cluster)->CreateDatabase(db);
    ASSERT_TRUE(url.ok()) << url.error().message();
    url_ = *url;
  }
  std::unique_ptr<ReplayTable> Open() {
    auto table = ReplayTable::Open({.url = url_});
    EXPECT_TRUE(table.ok()) << table.error().message();
    return table.ok() ? std::move(table).value() : nullptr;
  }
  std::string url_;
};

TEST_F(ReplayTableTest, AReservationIsMadeOnceAndCompletedOnce) {
  auto table = Open();
  ASSERT_NE(table, nullptr);
  auto first = table->Reserve("release", "b1", 1700000000);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_FALSE(first->has_value());
  auto again = table->Reserve("release", "b1", 1700000001);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_FALSE((*again)->signed_already);
  EXPECT_EQ(table->PendingCount().value(), 1u);
  ASSERT_TRUE(table->Complete("release", "b1", std::string(64, 'e'), 42).ok());
  EXPECT_FALSE(table->Complete("release", "b1", std::string(64, 'e'), 42).ok());
  auto signed_before = table->Reserve("release", "b1", 1700000002);
  ASSERT_TRUE(signed_before.ok() && signed_before->has_value());
  EXPECT_TRUE((*signed_before)->signed_already);
  EXPECT_EQ((*signed_before)->ledger_index, 42u);
  EXPECT_EQ(table->PendingCount().value(), 0u);
  // Another key may sign the same build; a released reservation may be made again.
  EXPECT_FALSE(table->Reserve("other", "b1", 1700000003)->has_value());
  ASSERT_TRUE(table->Release("other", "b1").ok());
  EXPECT_FALSE(table->Reserve("other", "b1", 1700000004)->has_value());
}

TEST_F(ReplayTableTest, SignersRacingForOneBuildGetOneReservation) {
  std::vector<std::unique_ptr<ReplayTable>> signers;
  for (int i = 0; i < 4; ++i) signers.push_back(Open());
  std::atomic<int> won{0};
  std::vector<std::thread> threads;
  for (auto& signer : signers) {
    threads.emplace_back([&signer, &won] {
      for (int build = 0; build < 25; ++build) {
        auto reserved = signer->Reserve("release", "b" + std::to_string(build), 1700000000);
        if (reserved.ok() && !reserved->has_value()) ++won;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 25);
  EXPECT_EQ(signers[0]->PendingCount().value(), 25u);
}

}  // namespace
}  // namespace vigil::pg
