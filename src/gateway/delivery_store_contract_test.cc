// The DeliveryStore contract (gateway/delivery_store.h), the same for every implementation:
// a delivery recorded once with its first verdict and its verdict record, the queue handed
// out oldest first and once (also to concurrent takers), an acceptor's refusals left in
// the queue, a request handed back in its place, and the outbox of verdict records.
// Instantiated by delivery_store_test.cc (SQLite) and delivery_store_database_test.cc
// (PostgreSQL).
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "gateway/test_util.h"
#include "gateway/verdict_record.h"

namespace vigil::gateway {
namespace {

TEST_P(DeliveryStoreContract, RecordsADeliveryOnceWithItsFirstVerdict) {
  ASSERT_NO_FATAL_FAILURE(Queue("d1", "hello"));
  Delivery again = TestDelivery("d1", "hello");
  again.verdict = "rejected: a replay";
  auto repeat = store_->Record(again, "{\"second\":true}");
  ASSERT_TRUE(repeat.ok()) << repeat.error().message();
  EXPECT_TRUE(repeat->duplicate);
  EXPECT_EQ(repeat->verdict, "queued");
  // One delivery, one request, one verdict record, under the delivery's record id.
  auto found = store_->Find("github", "d1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->first.verdict, "queued");
  EXPECT_EQ((*found)->first.commit, std::string(40, 'a'));
  EXPECT_EQ((*found)->first.body_sha256, std::string(64, '0'));
  EXPECT_TRUE((*found)->first.queue);
  EXPECT_EQ((*found)->second, "");
  EXPECT_EQ(store_->QueuedCount().value(), 1u);
  auto records = store_->PendingRecords(10);
  ASSERT_TRUE(records.ok()) << records.error().message();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].record_id, VerdictRecordId(TestDelivery("d1", "hello")));
  EXPECT_EQ((*records)[0].body, "{\"id\":\"d1\"}");
  // Not a build request: recorded, never queued; an unknown one is not found.
  ASSERT_TRUE(store_->Record(TestDelivery("d2", "hello", false), "{}").ok());
  EXPECT_FALSE(store_->Find("github", "d2").value()->first.queue);
  EXPECT_EQ(store_->QueuedCount().value(), 1u);
  EXPECT_FALSE(store_->Find("gitlab", "d1").value().has_value());
}

TEST_P(DeliveryStoreContract, HandsOutTheOldestRequestTheAcceptorTakesOnce) {
  ASSERT_NO_FATAL_FAILURE(Queue("d1", "kernel"));
  ASSERT_TRUE(store_->Record(TestDelivery("ignored", "hello", false), "{}").ok());
  ASSERT_NO_FATAL_FAILURE(Queue("d2", "hello"));
  ASSERT_NO_FATAL_FAILURE(Queue("d3", "kernel"));
  const auto hello = [](const Delivery& d) { return d.component == "hello"; };
  const auto refuse = [](const Delivery&) { return false; };
  EXPECT_EQ(Take(refuse), "");
  EXPECT_EQ(store_->QueuedCount().value(), 3u);
  // The refused ones stay for another taker, in their order.
  EXPECT_EQ(Take(hello), "d2");
  EXPECT_EQ(Take(hello), "");
  auto taken = store_->TakeQueued();
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->delivery_id, "d1");
  EXPECT_EQ((*taken)->provider, "github");
  EXPECT_EQ((*taken)->component, "kernel");
  EXPECT_EQ((*taken)->commit, std::string(40, 'a'));
  EXPECT_EQ((*taken)->repository, "example/kernel");
  EXPECT_EQ((*taken)->ref, "refs/heads/main");
  EXPECT_TRUE((*taken)->queue);
  EXPECT_EQ(Take(), "d3");
  EXPECT_EQ(Take(), "");
  EXPECT_EQ(store_->QueuedCount().value(), 0u);
}

TEST_P(DeliveryStoreContract, LooksPastABatchOfRefusals) {
  for (int i = 0; i < 100; ++i) {
    ASSERT_NO_FATAL_FAILURE(Queue("d" + std::to_string(i), i == 90 ? "kernel" : "hello"));
  }
  EXPECT_EQ(Take([](const Delivery& d) { return d.component == "kernel"; }), "d90");
  EXPECT_EQ(Take(), "d0");
  EXPECT_EQ(store_->QueuedCount().value(), 98u);
}

TEST_P(DeliveryStoreContract, ARequestHandedBackTakesItsPlaceAgain) {
  ASSERT_NO_FATAL_FAILURE(Queue("d1", "hello"));
  ASSERT_NO_FATAL_FAILURE(Queue("d2", "hello"));
  EXPECT_EQ(Take(), "d1");
  ASSERT_TRUE(store_->Requeue(TestDelivery("d1", "hello"), "retrying: builder-a broke").ok());
  EXPECT_EQ(store_->Find("github", "d1").value()->second, "retrying: builder-a broke");
  EXPECT_EQ(store_->QueuedCount().value(), 2u);
  EXPECT_EQ(Take(), "d1");  // before d2, which came later
  ASSERT_TRUE(store_->RecordOutcome(TestDelivery("d1", "hello"), "built: build 7").ok());
  EXPECT_EQ(store_->Find("github", "d1").value()->second, "built: build 7");
  EXPECT_EQ(Take(), "d2");
  EXPECT_EQ(Take(), "");
  // A delivery that is not a build request is never put in the queue.
  ASSERT_TRUE(store_->Record(TestDelivery("d3", "hello", false), "{}").ok());
  ASSERT_TRUE(store_->Requeue(TestDelivery("d3", "hello", false), "retrying").ok());
  EXPECT_EQ(Take(), "");
  EXPECT_EQ(store_->Find("github", "d3").value()->second, "");
}

TEST_P(DeliveryStoreContract, ConcurrentTakersGetEveryRequestOnce) {
  constexpr int kRequests = 40;
  for (int i = 0; i < kRequests; ++i) ASSERT_NO_FATAL_FAILURE(Queue("d" + std::to_string(i), "x"));
  std::mutex mutex;
  std::vector<std::string> taken, errors;
  std::vector<std::thread> takers;
  for (int t = 0; t < 4; ++t) {
    takers.emplace_back([&] {
      while (true) {
        const std::string id = Take();
        std::lock_guard lock(mutex);
        if (id.empty()) return;
        (id.starts_with("error: ") ? errors : taken).push_back(id);
        if (!errors.empty()) return;
      }
    });
  }
  for (std::thread& taker : takers) taker.join();
  ASSERT_TRUE(errors.empty()) << errors.front();
  const std::set<std::string> distinct(taken.begin(), taken.end());
  EXPECT_EQ(taken.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kRequests));
}

TEST_P(DeliveryStoreContract, KeepsVerdictRecordsUntilTheLedgerTakesThem) {
  EXPECT_EQ(store_->PendingCount().value(), 0u);
  EXPECT_TRUE(store_->NewestRecords(5).value().empty());
  ASSERT_TRUE(store_->AddRecord("r1", "{\"n\":1}").ok());
  ASSERT_NO_FATAL_FAILURE(Queue("d1", "hello"));
  ASSERT_TRUE(store_->AddRecord("r3", "{\"n\":3}").ok());
  ASSERT_TRUE(store_->AddRecord("r1", "{\"n\":\"again\"}").ok());  // kept once
  auto pending = store_->PendingRecords(10);
  ASSERT_TRUE(pending.ok()) << pending.error().message();
  ASSERT_EQ(pending->size(), 3u);
  EXPECT_EQ((*pending)[0].record_id, "r1");
  EXPECT_EQ((*pending)[0].body, "{\"n\":1}");
  EXPECT_EQ((*pending)[2].record_id, "r3");
  EXPECT_LT((*pending)[0].seq, (*pending)[1].seq);
  EXPECT_LT((*pending)[1].seq, (*pending)[2].seq);
  EXPECT_EQ(store_->PendingRecords(2).value().size(), 2u);

  ASSERT_TRUE(store_->MarkRecorded((*pending)[1].seq, 17).ok());
  EXPECT_EQ(store_->PendingCount().value(), 2u);
  auto left = store_->PendingRecords(10).value();
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].record_id, "r1");
  EXPECT_EQ(left[1].record_id, "r3");
  // Taken or not, every record is in the feed and the notifications.
  auto after = store_->RecordsAfter((*pending)[0].seq, 10).value();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].seq, (*pending)[1].seq);
  EXPECT_EQ(store_->RecordsAfter((*pending)[0].seq, 1).value().size(), 1u);
  EXPECT_TRUE(store_->RecordsAfter((*pending)[2].seq, 10).value().empty());
  auto newest = store_->NewestRecords(2).value();
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].record_id, "r3");
  EXPECT_EQ(newest[1].seq, (*pending)[1].seq);
}

TEST_P(DeliveryStoreContract, NotificationProgressPerTargetNeverMovesBack) {
  EXPECT_EQ(store_->NotifiedUpTo("http://a/").value(), 0u);
  ASSERT_TRUE(store_->SetNotifiedUpTo("http://a/", 5).ok());
  ASSERT_TRUE(store_->SetNotifiedUpTo("http://b/", 2).ok());
  EXPECT_EQ(store_->NotifiedUpTo("http://a/").value(), 5u);
  ASSERT_TRUE(store_->SetNotifiedUpTo("http://a/", 3).ok());  // a slower gateway's answer
  EXPECT_EQ(store_->NotifiedUpTo("http://a/").value(), 5u);
  ASSERT_TRUE(store_->SetNotifiedUpTo("http://a/", 9).ok());
  EXPECT_EQ(store_->NotifiedUpTo("http://a/").value(), 9u);
  EXPECT_EQ(store_->NotifiedUpTo("http://b/").value(), 2u);
}

}  // namespace
}  // namespace vigil::gateway
