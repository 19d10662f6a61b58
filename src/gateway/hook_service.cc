#include "gateway/hook_service.h"

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "rpc/audit_log.h"
#include "rpc/call_client.h"

namespace vigil::gateway {
namespace {

void Answer(http::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.SetContent(body.dump() + "\n", "application/json");
}

}  // namespace

HookService::HookService(GatewayConfig config, std::unique_ptr<DeliveryStore> store,
                         std::unique_ptr<rpc::AuditLog> audit)
    : config_(std::move(config)), store_(std::move(store)), audit_(std::move(audit)) {}

Result<std::unique_ptr<HookService>> HookService::Create(GatewayConfig config) {
  std::error_code ec;
  std::filesystem::create_directories(config.state_dir, ec);
  if (ec) return Error::Failed("cannot create " + config.state_dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<DeliveryStore> store,
                         DeliveryStore::Open(config.state_dir / "deliveries.db"));
  VIGIL_ASSIGN_OR_RETURN(rpc::AuditLog audit, rpc::AuditLog::Open(config.audit_log));
  std::optional<BuilderTarget> builder = config.builder;
  std::unique_ptr<HookService> service(new HookService(
      std::move(config), std::move(store), std::make_unique<rpc::AuditLog>(std::move(audit))));
  if (builder) {
    Result<rpc::Peer> peer = rpc::MakePeer(
        builder->address, {builder->certificate, builder->key, builder->ca}, builder->name);
    if (!peer.ok()) return peer.error().WithContext("[builder]");
    // A build streams its log for as long as it runs.
    peer->options.limits.idle_timeout = std::chrono::hours(2);
    peer->options.limits.total_timeout = std::chrono::hours(24);
    service->dispatcher_ = std::make_unique<Dispatcher>(
        *service->store_, std::make_unique<rpc::Peer>(std::move(*peer)), *service->audit_,
        service->audit_mutex_);
    service->dispatcher_->Start();
  }
  return service;
}

HookService::~HookService() = default;

void HookService::AddRoutes(http::Server& server) {
  for (Provider provider :
       {Provider::kGitHub, Provider::kGitLab, Provider::kGitea, Provider::kForgejo}) {
    server.Post("/hooks/" + std::string(ProviderName(provider)),
                [this, provider](const http::Request& request, http::Response& response) {
                  Handle(provider, request, response);
                });
  }
}

const RepositoryRule* HookService::FindRule(Provider provider,
                                            const std::string& repository) const {
  for (const RepositoryRule& rule : config_.repositories) {
    if (rule.provider == provider && rule.name == repository) return &rule;
  }
  return nullptr;
}

void HookService::Handle(Provider provider, const http::Request& request,
                         http::Response& response) {
  const std::string name(ProviderName(provider));
  auto secret = config_.secrets.find(provider);
  if (secret == config_.secrets.end()) {
    Answer(response, 404, {{"error", "no " + name + " hook is configured"}});
    return;
  }
  static const http::Fields kNoFields;
  const http::Fields& fields = request.fields != nullptr ? *request.fields : kNoFields;
  Result<Authenticated> who =
      Authenticate(provider, fields, AsBytes(request.body), secret->second.view());
  if (!who.ok()) {
    {
      std::lock_guard<std::mutex> lock(audit_mutex_);
      audit_->RecordUnauthenticated(
          {{"event", "webhook refused"}, {"provider", name}, {"reason", who.error().message()}});
    }
    Answer(response, 401, {{"error", who.error().message()}});
    return;
  }
  const Request asked = ReadRequest(provider, who->event, request.body);
  Delivery delivery{.provider = name, .delivery_id = who->delivery_id};
  delivery.repository = asked.repository;
  delivery.ref = asked.ref;
  delivery.commit = asked.commit;
  delivery.body_sha256 = crypto::Sha256Hex(crypto::Sha256(AsBytes(request.body)));
  if (asked.kind == Request::Kind::kIgnored) {
    delivery.verdict = "ignored: " + asked.reason;
  } else if (asked.kind == Request::Kind::kRejected) {
    delivery.verdict = "rejected: " + asked.reason;
  } else if (const RepositoryRule* rule = FindRule(provider, asked.repository)) {
    delivery.component = rule->component;
    delivery.queue = true;
    delivery.verdict = "queued";
  } else {
    delivery.verdict = "rejected: unknown repository " + asked.repository;
  }
  Result<Recorded> recorded = store_->Record(delivery);
  if (!recorded.ok()) {
    // Not recorded, so not acknowledged: the sender retries with the same id.
    Answer(response, 503, {{"error", recorded.error().message()}});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(audit_mutex_);
    audit_->Record({{"event", recorded->duplicate ? "webhook repeated" : "webhook"},
                    {"provider", name},
                    {"delivery", delivery.delivery_id},
                    {"provider_event", who->event},
                    {"verdict", recorded->verdict},
                    {"repository", delivery.repository},
                    {"commit", delivery.commit},
                    {"component", delivery.component},
                    {"body_sha256", delivery.body_sha256}});
  }
  if (!recorded->duplicate && delivery.queue && dispatcher_) dispatcher_->Wake();
  Answer(response, recorded->duplicate ? 200 : 202,
         {{"delivery", delivery.delivery_id},
          {"verdict", recorded->verdict},
          {"duplicate", recorded->duplicate}});
}

}  // namespace vigil::gateway
