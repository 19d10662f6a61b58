// Hands queued build requests to the builder pool (docs/SPEC-gateway.md): each builder
// takes one at a time, the oldest request for a component it builds, as
// vigil.TriggerBuild+COMPONENT with the pushed commit as its `commit SHA40` line, so the
// builder builds that commit only if its source rule approves it. The builder's answer
// (its build id, or why it refused) is recorded with its name. A builder that fails during
// the call (unreachable, or killed mid-build: its log is then `truncated` in the ledger)
// hands the request back, and another builder of the pool that has not failed it takes it;
// a request is never started twice on one builder, nor again after a gateway crash. A
// builder that answers exit 3 (its environment failed it: the ledger went away mid-build
// and is failing over) hands it back too, after a pause, to any builder, at most
// kEnvironmentRetries times; the builder starts it under a new build id.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/delivery_store.h"
#include "gateway/wake_signal.h"

namespace vigil::rpc {
class AuditLog;
struct Peer;
}  // namespace vigil::rpc

namespace vigil::gateway {

inline constexpr int kEnvironmentRetries = 2;
inline constexpr std::chrono::seconds kEnvironmentPause{3};

struct PoolBuilder {
  std::string name;  // its certificate's role
  std::unique_ptr<rpc::Peer> peer;
  std::vector<std::string> components;  // empty: all
};

class Dispatcher {
 public:
  Dispatcher(DeliveryStore& store, std::vector<PoolBuilder> builders, rpc::AuditLog& audit,
             std::mutex& audit_mutex);
  ~Dispatcher();  // stops after the builds in progress, if any, are answered
  void Start();
  // Something was queued: look now rather than at the next poll.
  void Wake();

 private:
  struct Outcome {
    std::string text;                 // recorded as the delivery's outcome
    bool builder_failed = false;      // the call broke: another builder may take it
    bool environment_failed = false;  // exit 3: any builder may take it after a pause
  };
  // Hands a request whose builder's environment failed back to the queue, after a pause,
  // if it has retries left. False when it stays with this outcome.
  bool RetryLater(const PoolBuilder& builder, const Delivery& delivery, const Outcome& outcome);
  void Run(const PoolBuilder& builder);
  bool Accepts(const PoolBuilder& builder, const Delivery& delivery);
  // Whether another builder that has not failed `delivery` could take it.
  bool AnotherCanTake(const Delivery& delivery);
  Outcome Dispatch(const PoolBuilder& builder, const Delivery& delivery);
  void Audit(const char* event, const PoolBuilder& builder, const Delivery& delivery,
             const std::string& outcome);

  DeliveryStore& store_;
  std::vector<PoolBuilder> builders_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  WakeSignal signal_;
  std::mutex failed_mutex_;
  std::map<std::string, std::set<std::string>> failed_on_;  // request -> builders it failed on
  std::map<std::string, int> environment_retries_;          // request -> retries so far
  std::vector<std::thread> threads_;
};

}  // namespace vigil::gateway
