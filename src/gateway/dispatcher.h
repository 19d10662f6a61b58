// Hands queued build requests to the builder (docs/SPEC-gateway.md): one at a time, oldest
// first, as vigil.TriggerBuild+COMPONENT with the pushed commit as its `commit SHA40` line,
// so the builder builds that commit only if its source rule approves it. Each request is
// taken at most once; the builder's answer (its build id, or why it refused) is recorded.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/delivery_store.h"
#include "gateway/wake_signal.h"

namespace vigil::rpc {
class AuditLog;
struct Peer;
}  // namespace vigil::rpc

namespace vigil::gateway {

class Dispatcher {
 public:
  Dispatcher(DeliveryStore& store, std::unique_ptr<rpc::Peer> builder, rpc::AuditLog& audit,
             std::mutex& audit_mutex);
  ~Dispatcher();  // stops after the build in progress, if any, is answered
  void Start();
  // Something was queued: look now rather than at the next poll.
  void Wake();

 private:
  void Run();
  std::string Dispatch(const Delivery& delivery);

  DeliveryStore& store_;
  std::unique_ptr<rpc::Peer> builder_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  WakeSignal signal_;
  std::thread thread_;
};

}  // namespace vigil::gateway
