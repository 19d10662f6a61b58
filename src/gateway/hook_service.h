// The webhook routes of vigil-gateway (docs/SPEC-gateway.md): POST /hooks/PROVIDER.
//   401  the signature or token is missing or wrong (audit log only, rate-limited)
//   404  no secret is configured for this provider
//   413  a body over kMaxDeliveryBytes (the HTTP server's bound)
//   202  recorded: {"delivery","verdict"} with "queued", "ignored: ..." or "rejected: ..."
//        (GitLab disables a hook that gets 4xx, so a choice not to act is never one)
//   200  a repeat of a recorded delivery: its first verdict, nothing done again
#pragma once

#include <memory>

#include "base/result.h"
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
  // With config.builder, queued builds are dispatched to it (gateway/dispatcher.h); with
  // config.ledger, every verdict is appended there (gateway/ledger_recorder.h).
  static Result<std::unique_ptr<HookService>> Create(GatewayConfig config);
  ~HookService();
  void AddRoutes(http::Server& server);
  void Handle(Provider provider, const http::Request& request, http::Response& response);

 private:
  HookService(GatewayConfig config, std::unique_ptr<DeliveryStore> store,
              std::unique_ptr<rpc::AuditLog> audit);
  Status StartRecorder(const LedgerTarget& ledger);
  Status StartDispatcher(const PeerTarget& builder);
  const RepositoryRule* FindRule(Provider provider, const std::string& repository) const;

  GatewayConfig config_;
  std::unique_ptr<DeliveryStore> store_;
  std::mutex audit_mutex_;
  std::unique_ptr<rpc::AuditLog> audit_;
  std::unique_ptr<LedgerRecorder> recorder_;
  std::unique_ptr<Dispatcher> dispatcher_;  // last: stopped first
};

}  // namespace vigil::gateway
