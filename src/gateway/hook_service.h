// The webhook routes of vigil-gateway (docs/SPEC-gateway.md): POST /hooks/PROVIDER.
//   401  the signature or token is missing or wrong (audit log only, rate-limited)
//   404  no secret is configured for this provider
//   413  a body over kMaxDeliveryBytes (the HTTP server's bound)
//   202  recorded: {"delivery","verdict"} with "queued", "ignored: ..." or "rejected: ..."
//        (GitLab disables a hook that gets 4xx, so a choice not to act is never one)
//   200  a repeat of a recorded delivery: its first verdict, nothing done again
// A comment holding a clear-signed command is submitted as POST /commands would; its
// verdict, "command: ...", is the delivery's.
#pragma once

#include <memory>

#include "base/result.h"
#include "gateway/command_service.h"
#include "gateway/delivery_store.h"
#include "gateway/dispatcher.h"
#include "gateway/gateway_config.h"
#include "gateway/ledger_recorder.h"
#include "http/server.h"

namespace vigil::rpc {
class AuditLog;
}  // namespace vigil::rpc

namespace vigil::gateway {

class HookService {
 public:
  // Recorded deliveries wake `recorder` and queued ones `dispatcher` (either may be null).
  // Comments' commands go to `commands` (null: ignored).
  HookService(const GatewayConfig& config, DeliveryStore& store, rpc::AuditLog& audit,
              std::mutex& audit_mutex, LedgerRecorder* recorder, Dispatcher* dispatcher,
              CommandService* commands);
  void AddRoutes(http::Server& server);
  void Handle(Provider provider, const http::Request& request, http::Response& response);

 private:
  // The delivery's verdict (and component and queueing) for what it asks.
  void Decide(Provider provider, const Request& asked, Delivery& delivery);
  const RepositoryRule* FindRule(Provider provider, const std::string& repository) const;

  const GatewayConfig& config_;
  DeliveryStore& store_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  LedgerRecorder* recorder_;
  Dispatcher* dispatcher_;
  CommandService* commands_;
};

}  // namespace vigil::gateway
