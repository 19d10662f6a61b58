// vigil-gateway's parts, put together from its configuration (docs/SPEC-gateway.md): the
// delivery store (SQLite in state_dir, or PostgreSQL with [gateway] database) and audit log; the
// ledger recorder ([ledger]) and dispatcher ([builder]); the webhook routes; the channels
// ([channels]) with vigil.Publish+COMPONENT for builders
// ([service]) and the timestamp timer; signed commands ([commands]) at POST /commands; the
// status page, the Atom feed and outbound notifications ([[notify]]).
#pragma once

#include <memory>
#include <mutex>
#include <thread>

#include "base/result.h"
#include "gateway/gateway_config.h"
#include "gateway/wake_signal.h"
#include "http/server.h"

namespace vigil::rpc {
class AuditLog;
class ServiceHost;
}  // namespace vigil::rpc

namespace vigil::gateway {

class Channels;
class CommandService;
class DeliveryStore;
class Dispatcher;
class HookService;
class LedgerRecorder;
class Notifier;
class StatusPage;

class Gateway {
 public:
  static Result<std::unique_ptr<Gateway>> Create(GatewayConfig config);
  ~Gateway();  // stops everything started

  void AddRoutes(http::Server& server);
  // Starts the call host ([service]) and the timestamp timer ([channels]).
  Status StartServices();

 private:
  explicit Gateway(GatewayConfig config);
  Status Assemble();
  // The delivery store: state_dir/deliveries.db, or the tables in config_.database.
  Status OpenStore();
  void RefreshMetadata();

  GatewayConfig config_;
  std::unique_ptr<DeliveryStore> store_;
  std::mutex audit_mutex_;
  std::unique_ptr<rpc::AuditLog> audit_;
  std::unique_ptr<LedgerRecorder> recorder_;
  std::unique_ptr<Channels> channels_;
  std::unique_ptr<CommandService> commands_;
  std::unique_ptr<HookService> hooks_;
  std::unique_ptr<StatusPage> status_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::thread host_thread_, refresh_thread_;
  WakeSignal refresh_signal_;               // stops the metadata timer
  std::unique_ptr<Dispatcher> dispatcher_;  // last: stopped first
};

}  // namespace vigil::gateway
