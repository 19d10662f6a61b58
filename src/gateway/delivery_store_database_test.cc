// The gateway's store on a real PostgreSQL (a private cluster): the DeliveryStore contract
// (delivery_store_contract_test.cc), and what several gateways sharing one database see:
// a delivery recorded once whichever gateway gets it, each request taken by one dispatcher
// of all, an acceptor holding nothing while it decides, what was answered surviving a crash
// of the server; and the signed commands' records moved there from SQLite.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gateway/command_store.h"
#include "gateway/test_util.h"
#include "pg/test_cluster.h"

namespace vigil::gateway {
namespace {

Result<std::string> FreshDatabase(const std::string& name) {
  VIGIL_ASSIGN_OR_RETURN(pg::TestCluster * cluster, pg::SharedTestCluster());
  return cluster->CreateDatabase(name);
}

INSTANTIATE_TEST_SUITE_P(Postgres, DeliveryStoreContract,
                         ::testing::Values(StoreUnderTest{
                             "Postgres",
                             [](const std::filesystem::path&,
                                const std::string& name) -> Result<std::unique_ptr<DeliveryStore>> {
                               VIGIL_ASSIGN_OR_RETURN(std::string url, FreshDatabase(name));
                               return DeliveryStore::OpenDatabase(url);
                             }}),
                         StoreKindName);

// Two gateways on one database.
class SharedDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "gateways_";
    for (const char c :
         std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto url = FreshDatabase(name.substr(0, 63));
    ASSERT_TRUE(url.ok()) << url.error().message();
    url_ = *url;
    a_ = Open();
    b_ = Open();
    ASSERT_TRUE(a_ && b_);
  }
  std::unique_ptr<DeliveryStore> Open() {
    auto store = DeliveryStore::OpenDatabase(url_);
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  static void Queue(DeliveryStore& store, const std::string& id, const std::string& component) {
    auto recorded = store.Record(TestDelivery(id, component), "{}");
    ASSERT_TRUE(recorded.ok()) << recorded.error().message();
    ASSERT_FALSE(recorded->duplicate);
  }
  static std::string Take(DeliveryStore& store, const DeliveryStore::Acceptor& accept = nullptr) {
    auto taken = store.TakeQueued(accept);
    if (!taken.ok()) return "error: " + taken.error().message();
    return taken->has_value() ? (*taken)->delivery_id : "";
  }

  std::string url_;
  std::unique_ptr<DeliveryStore> a_, b_;
};

TEST_F(SharedDatabaseTest, ADeliveryIsRecordedOnceWhicheverGatewayGetsIt) {
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "first", "hello"));
  Delivery replay = TestDelivery("first", "hello");
  replay.verdict = "rejected: stale";
  auto repeat = b_->Record(replay, "{}");
  ASSERT_TRUE(repeat.ok()) << repeat.error().message();
  EXPECT_TRUE(repeat->duplicate);
  EXPECT_EQ(repeat->verdict, "queued");

  // Four threads, two per gateway, all record the same 20 deliveries with their own verdict.
  constexpr int kDeliveries = 20;
  std::mutex mutex;
  std::vector<std::vector<std::string>> firsts(kDeliveries), answers(kDeliveries);
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      DeliveryStore& store = t % 2 == 0 ? *a_ : *b_;
      for (int i = 0; i < kDeliveries; ++i) {
        Delivery d = TestDelivery("race" + std::to_string(i), "hello");
        d.verdict = "queued by " + std::to_string(t);
        auto recorded = store.Record(d, "{}");
        std::lock_guard lock(mutex);
        if (!recorded.ok()) {
          errors.push_back(recorded.error().message());
          continue;
        }
        if (!recorded->duplicate) firsts[i].push_back(recorded->verdict);
        answers[i].push_back(recorded->verdict);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  for (int i = 0; i < kDeliveries; ++i) {
    ASSERT_EQ(firsts[i].size(), 1u) << "delivery " << i;
    for (const std::string& answer : answers[i]) EXPECT_EQ(answer, firsts[i][0]) << i;
    EXPECT_EQ(a_->Find("github", "race" + std::to_string(i)).value()->first.verdict, firsts[i][0]);
  }
  EXPECT_EQ(b_->PendingCount().value(), kDeliveries + 1u);
  EXPECT_EQ(a_->QueuedCount().value(), kDeliveries + 1u);
}

TEST_F(SharedDatabaseTest, EachRequestGoesToOneDispatcherOfAllTheGateways) {
  constexpr int kRequests = 60;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_NO_FATAL_FAILURE(Queue(i % 2 == 0 ? *a_ : *b_, "d" + std::to_string(i), "hello"));
  }
  std::mutex mutex;
  std::vector<std::string> taken, errors;
  std::vector<std::thread> dispatchers;
  for (int t = 0; t < 6; ++t) {
    dispatchers.emplace_back([&, t] {
      DeliveryStore& store = t % 2 == 0 ? *a_ : *b_;
      while (true) {
        const std::string id = Take(store);
        std::lock_guard lock(mutex);
        if (id.empty()) return;
        (id.starts_with("error: ") ? errors : taken).push_back(id);
        if (!errors.empty()) return;
      }
    });
  }
  for (std::thread& dispatcher : dispatchers) dispatcher.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(std::set<std::string>(taken.begin(), taken.end()).size(),
            static_cast<std::size_t>(kRequests));
  EXPECT_EQ(b_->QueuedCount().value(), 0u);
}

TEST_F(SharedDatabaseTest, ARequestOneGatewayRefusesIsFreeForAnotherMeanwhile) {
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "k1", "kernel"));
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "h1", "hello"));
  std::string taken_by_b;
  // While a's dispatcher looks at k1 (and refuses it), b's takes it: a holds no lock on it.
  const std::string taken_by_a = Take(*a_, [&](const Delivery& d) {
    if (d.delivery_id == "k1" && taken_by_b.empty()) {
      taken_by_b = Take(*b_, [](const Delivery& k) { return k.component == "kernel"; });
    }
    return d.component == "hello";
  });
  EXPECT_EQ(taken_by_b, "k1");
  EXPECT_EQ(taken_by_a, "h1");
  EXPECT_EQ(a_->QueuedCount().value(), 0u);
}

TEST_F(SharedDatabaseTest, ARequestTakenElsewhereWhileAcceptedIsPassedOver) {
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "d1", "hello"));
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "d2", "hello"));
  std::string taken_by_b;
  // a's dispatcher accepts d1, but b's takes it first: a goes on to d2.
  const std::string taken_by_a = Take(*a_, [&](const Delivery& d) {
    if (d.delivery_id == "d1") taken_by_b = Take(*b_);
    return true;
  });
  EXPECT_EQ(taken_by_b, "d1");
  EXPECT_EQ(taken_by_a, "d2");
  EXPECT_EQ(Take(*b_), "");
}

TEST_F(SharedDatabaseTest, WhatWasAnsweredSurvivesACrashOfTheServer) {
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "d1", "hello"));
  ASSERT_NO_FATAL_FAILURE(Queue(*a_, "d2", "hello"));
  EXPECT_EQ(Take(*a_), "d1");
  ASSERT_TRUE(a_->SetNotifiedUpTo("http://t/", 1).ok());
  auto cluster = pg::SharedTestCluster();
  ASSERT_TRUE(cluster.ok());
  ASSERT_TRUE((*cluster)->CrashAndRestart().ok());
  // The broken session fails one call (saying so), and the next one reconnects.
  auto lost = a_->QueuedCount();
  if (!lost.ok()) {
    EXPECT_NE(lost.error().message().find("PostgreSQL"), std::string::npos)
        << lost.error().message();
  }
  EXPECT_EQ(a_->QueuedCount().value(), 1u);
  auto reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_TRUE(reopened->Record(TestDelivery("d1", "hello"), "{}").value().duplicate);
  EXPECT_EQ(Take(*reopened), "d2");
  EXPECT_EQ(reopened->PendingCount().value(), 2u);
  EXPECT_EQ(reopened->NotifiedUpTo("http://t/").value(), 1u);
}

TEST_F(SharedDatabaseTest, CommandRecordsAreMovedFromSqliteOnce) {
  auto temp = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-command-store.");
  ASSERT_TRUE(temp.ok());
  auto commands = CommandStore::Open(temp->path() / "deliveries.db");
  ASSERT_TRUE(commands.ok()) << commands.error().message();
  for (const char* id : {"command:1", "command:2"}) {
    SubmissionOutcome outcome{.line = "build hello",
                              .approval = {},
                              .final_state = {},
                              .verdict = "rejected: test",
                              .record_id = id,
                              .record = std::string("{\"id\":\"") + id + "\"}"};
    ASSERT_TRUE((*commands)->Commit(outcome).ok());
  }
  // command:1 reached the outbox before a crash that kept it in SQLite too.
  ASSERT_TRUE(a_->AddRecord("command:1", "{\"id\":\"command:1\"}").ok());
  auto moved = (*commands)->MoveRecords(*b_);
  ASSERT_TRUE(moved.ok()) << moved.error().message();
  EXPECT_EQ(*moved, 2u);
  EXPECT_EQ((*commands)->MoveRecords(*b_).value(), 0u);
  auto pending = a_->PendingRecords(10);
  ASSERT_TRUE(pending.ok()) << pending.error().message();
  ASSERT_EQ(pending->size(), 2u);
  EXPECT_EQ((*pending)[0].record_id, "command:1");
  EXPECT_EQ((*pending)[1].record_id, "command:2");
  EXPECT_EQ((*pending)[1].body, "{\"id\":\"command:2\"}");
}

TEST_F(SharedDatabaseTest, CommandRecordsAreMovedABatchAtATime) {
  auto temp = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-command-store.");
  ASSERT_TRUE(temp.ok());
  auto commands = CommandStore::Open(temp->path() / "deliveries.db");
  ASSERT_TRUE(commands.ok()) << commands.error().message();
  const std::size_t kept = CommandStore::kRecordsMovedAtOnce + 1;
  for (std::size_t i = 0; i < kept; ++i) {
    const std::string id = "command:" + std::to_string(i);
    ASSERT_TRUE((*commands)
                    ->Commit({.line = "build " + id,
                              .approval = {},
                              .final_state = {},
                              .verdict = "rejected: test",
                              .record_id = id,
                              .record = "{}"})
                    .ok());
  }
  EXPECT_EQ((*commands)->MoveRecords(*b_).value(), CommandStore::kRecordsMovedAtOnce);
  EXPECT_EQ((*commands)->MoveRecords(*b_).value(), 1u);
  EXPECT_EQ((*commands)->MoveRecords(*b_).value(), 0u);
  EXPECT_EQ(a_->PendingCount().value(), kept);
}

TEST(DatabaseDeliveryStoreTest, RefusesABadUrlAndSaysWhenTheServerIsAway) {
  auto wrong = DeliveryStore::OpenDatabase("mysql://db/vigil");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(wrong.error().message().find("the gateway's database"), std::string::npos)
      << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("must start with postgresql://"), std::string::npos)
      << wrong.error().message();
  auto away = DeliveryStore::OpenDatabase("postgresql:///vigil?host=/nonexistent/vigil-gateway");
  ASSERT_FALSE(away.ok());
  EXPECT_EQ(away.error().code(), ErrorCode::kMissingEnv);
  EXPECT_NE(away.error().message().find("cannot connect to PostgreSQL"), std::string::npos)
      << away.error().message();
}

}  // namespace
}  // namespace vigil::gateway
