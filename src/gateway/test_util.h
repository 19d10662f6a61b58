// For tests: the contract every DeliveryStore keeps (delivery_store_contract_test.cc), run
// by each test binary against the implementation it instantiates it with: gateway_test
// against SQLite (delivery_store_test.cc), gateway_pg_test against PostgreSQL
// (delivery_store_database_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/file.h"
#include "gateway/delivery_store.h"

namespace vigil::gateway {

struct StoreUnderTest {
  std::string kind;  // the instantiation's name: "Sqlite", "Postgres"
  // A fresh, empty store named `name` ([a-z0-9_]), with `dir` for any files.
  std::function<Result<std::unique_ptr<DeliveryStore>>(const std::filesystem::path& dir,
                                                       const std::string& name)>
      open;
};

inline std::string StoreKindName(const ::testing::TestParamInfo<StoreUnderTest>& info) {
  return info.param.kind;
}

// A delivery of `component` from "github"; a build request unless `queue` is false.
inline Delivery TestDelivery(const std::string& id, const std::string& component,
                             bool queue = true) {
  return Delivery{.provider = "github",
                  .delivery_id = id,
                  .verdict = queue ? "queued" : "ignored: not a push",
                  .repository = "example/" + component,
                  .ref = "refs/heads/main",
                  .commit = std::string(40, 'a'),
                  .component = component,
                  .body_sha256 = std::string(64, '0'),
                  .queue = queue};
}

class DeliveryStoreContract : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-delivery-store.");
    ASSERT_TRUE(temp.ok()) << temp.error().message();
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    std::string name = "deliveries_";
    for (const char c :
         std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      if (std::isalnum(static_cast<unsigned char>(c))) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      if (c == '/') break;  // the parameter's suffix: one place per test
    }
    auto store = GetParam().open(temp_->path(), name.substr(0, 63));
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
  }

  void Queue(const std::string& id, const std::string& component) {
    auto recorded = store_->Record(TestDelivery(id, component), "{\"id\":\"" + id + "\"}");
    ASSERT_TRUE(recorded.ok()) << recorded.error().message();
    ASSERT_FALSE(recorded->duplicate);
  }
  // The id of the request TakeQueued hands out, "" for none, "error: ..." for a failure.
  std::string Take(const DeliveryStore::Acceptor& accept = nullptr) {
    auto taken = store_->TakeQueued(accept);
    if (!taken.ok()) return "error: " + taken.error().message();
    return taken->has_value() ? (*taken)->delivery_id : "";
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<DeliveryStore> store_;
};

}  // namespace vigil::gateway
