// The gateway's durable record of authenticated deliveries (docs/SPEC-gateway.md): each
// (provider, delivery id) once with its verdict, and the build requests queued until a
// dispatcher takes them. SQLite, WAL, synchronous=FULL: a delivery the gateway answered
// survives a crash, and a repeat (a redelivery, a replay) is recognised and changes nothing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace vigil {
class SqliteDb;
}  // namespace vigil

namespace vigil::gateway {

struct Delivery {
  std::string provider, delivery_id;
  std::string verdict;  // "queued", "ignored: ...", "rejected: ..."
  std::string repository, ref, commit, component;
  std::string body_sha256;
  bool queue = false;  // a build request to dispatch
};

struct Recorded {
  bool duplicate = false;
  std::string verdict;  // the first delivery's, for a duplicate
};

class DeliveryStore {
 public:
  static Result<std::unique_ptr<DeliveryStore>> Open(const std::filesystem::path& file);
  ~DeliveryStore();

  // Records `delivery` (queued when delivery.queue); a repeat of its (provider, id) returns
  // the first verdict and changes nothing. Safe from any thread.
  Result<Recorded> Record(const Delivery& delivery);
  // Build requests not yet dispatched.
  Result<std::uint64_t> QueuedCount();
  // The oldest build request not yet dispatched, marked dispatched (at most once: a crash
  // during its build does not start it again), or nullopt.
  Result<std::optional<Delivery>> TakeQueued();
  // What the builder answered for a dispatched delivery.
  Status RecordOutcome(const Delivery& delivery, const std::string& outcome);

 private:
  explicit DeliveryStore(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
  std::mutex mutex_;
};

}  // namespace vigil::gateway
