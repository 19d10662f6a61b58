#include "pg/lease.h"

#include <gtest/gtest.h>

#include <thread>

#include "pg/connection.h"
#include "pg/lease_fence.h"
#include "pg/session.h"
#include "pg/test_cluster.h"

namespace vigil::pg {
namespace {

using std::chrono::milliseconds;

class LeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = SharedTestCluster();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message();
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string db = "lease_";
    for (const char c : name) db += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto url = (*cluster)->CreateDatabase(db);
    ASSERT_TRUE(url.ok()) << url.error().message();
    url_ = *url;
    first_ = Open();
    second_ = Open();
    ASSERT_TRUE(CreateLeaseSchema(*first_).ok());
    ASSERT_TRUE(first_->Exec("CREATE TABLE appended (idx bigint PRIMARY KEY, epoch bigint)").ok());
  }

  std::unique_ptr<Connection> Open() {
    auto connection = Connection::Open({.url = url_});
    EXPECT_TRUE(connection.ok()) << connection.error().message();
    return connection.ok() ? std::move(connection).value() : nullptr;
  }

  // An append as a sequencer makes one: the epoch check and the row in one transaction.
  static Status Append(Connection& connection, const Lease& lease, long long idx) {
    return Guard(connection, "appending", [&]() -> Status {
      pqxx::work work(*connection.impl().conn);
      VIGIL_RETURN_IF_ERROR(FenceEpoch(work, lease.epoch));
      work.exec_params("INSERT INTO appended (idx, epoch) VALUES ($1, $2)", idx,
                       static_cast<long long>(lease.epoch));
      work.commit();
      return OkStatus();
    });
  }

  std::string url_;
  std::unique_ptr<Connection> first_;
  std::unique_ptr<Connection> second_;
};

TEST_F(LeaseTest, OneHolderAtATime) {
  auto a = AcquireLease(*first_, "ledger-a", milliseconds(5000));
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_EQ(a->epoch, 1);
  auto b = AcquireLease(*second_, "ledger-b", milliseconds(5000));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("held by ledger-a (epoch 1)"), std::string::npos)
      << b.error().message();
  EXPECT_TRUE(RenewLease(*first_, *a, milliseconds(5000)).ok());
  EXPECT_TRUE(Append(*first_, *a, 0).ok());
}

TEST_F(LeaseTest, TakeoverAfterExpiryFencesTheOldHolder) {
  auto a = AcquireLease(*first_, "ledger-a", milliseconds(200));
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(Append(*first_, *a, 0).ok());
  std::this_thread::sleep_for(milliseconds(300));
  auto b = AcquireLease(*second_, "ledger-b", milliseconds(5000));
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->epoch, 2);
  // The old holder's session is still alive (a partition, not a crash): it is fenced all
  // the same, and cannot renew.
  Status stale = Append(*first_, *a, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message().find("fenced"), std::string::npos) << stale.error().message();
  Status renew = RenewLease(*first_, *a, milliseconds(5000));
  ASSERT_FALSE(renew.ok());
  EXPECT_NE(renew.error().message().find("held by ledger-b (epoch 2)"), std::string::npos)
      << renew.error().message();
  EXPECT_TRUE(Append(*second_, *b, 1).ok());
  auto state = ReadLease(*first_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->lease.holder, "ledger-b");
  EXPECT_FALSE(state->expired);
}

TEST_F(LeaseTest, ReleaseLetsAnotherTakeOverAtOnce) {
  auto a = AcquireLease(*first_, "ledger-a", milliseconds(60000));
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(ReleaseLease(*first_, *a).ok());
  auto b = AcquireLease(*second_, "ledger-b", milliseconds(60000));
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_EQ(b->epoch, 2);
}

TEST_F(LeaseTest, NoIndexIsNumberedTwice) {
  auto a = AcquireLease(*first_, "ledger-a", milliseconds(60000));
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(Append(*first_, *a, 7).ok());
  Status twice = Append(*first_, *a, 7);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message().find("23505"), std::string::npos) << twice.error().message();
}

// An append that holds the lease row's lock while another ledger tries to take the lease:
// the taker waits for the commit, then sees a live lease and backs off.
TEST_F(LeaseTest, AnAppendInFlightKeepsTheLease) {
  auto a = AcquireLease(*first_, "ledger-a", milliseconds(300));
  ASSERT_TRUE(a.ok()) << a.error().message();
  Status appended = Guard(*first_, "appending", [&]() -> Status {
    pqxx::work work(*first_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, a->epoch));
    work.exec("UPDATE lease SET expires_at = clock_timestamp() + interval '5 seconds'");
    std::this_thread::sleep_for(milliseconds(400));  // the lease expires meanwhile
    std::thread taker([&] {
      auto b = AcquireLease(*second_, "ledger-b", milliseconds(5000));
      EXPECT_FALSE(b.ok());
    });
    std::this_thread::sleep_for(milliseconds(200));
    work.commit();
    taker.join();
    return OkStatus();
  });
  EXPECT_TRUE(appended.ok()) << appended.error().message();
}

}  // namespace
}  // namespace vigil::pg
