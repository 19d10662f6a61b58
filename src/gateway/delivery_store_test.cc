// The DeliveryStore contract (delivery_store_contract_test.cc) against SQLite, and the
// SQLite store's durability across a reopen.
#include <gtest/gtest.h>

#include "gateway/test_util.h"

namespace vigil::gateway {
namespace {

INSTANTIATE_TEST_SUITE_P(Sqlite, DeliveryStoreContract,
                         ::testing::Values(StoreUnderTest{
                             "Sqlite",
                             [](const std::filesystem::path& dir, const std::string&) {
                               return DeliveryStore::Open(dir / "deliveries.db");
                             }}),
                         StoreKindName);

TEST(SqliteDeliveryStoreTest, WhatWasRecordedIsThereAfterAReopen) {
  auto temp = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-delivery-store.");
  ASSERT_TRUE(temp.ok());
  const std::filesystem::path file = temp->path() / "deliveries.db";
  {
    auto store = DeliveryStore::Open(file);
    ASSERT_TRUE(store.ok()) << store.error().message();
    ASSERT_TRUE((*store)->Record(TestDelivery("d1", "hello"), "{}").ok());
    ASSERT_TRUE((*store)->Record(TestDelivery("d2", "hello"), "{}").ok());
    ASSERT_TRUE((*store)->TakeQueued().value().has_value());
  }
  auto store = DeliveryStore::Open(file);
  ASSERT_TRUE(store.ok()) << store.error().message();
  // d1 was dispatched before the restart: it is not started again.
  EXPECT_EQ((*store)->QueuedCount().value(), 1u);
  EXPECT_EQ((*store)->TakeQueued().value()->delivery_id, "d2");
  EXPECT_TRUE((*store)->Record(TestDelivery("d1", "hello"), "{}").value().duplicate);
  EXPECT_EQ((*store)->PendingCount().value(), 2u);
}

}  // namespace
}  // namespace vigil::gateway
