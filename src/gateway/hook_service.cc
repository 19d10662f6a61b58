#include "gateway/hook_service.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "gateway/verdict_record.h"
#include "rpc/audit_log.h"

namespace vigil::gateway {
namespace {

void Answer(http::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.SetContent(body.dump() + "\n", "application/json");
}

}  // namespace

HookService::HookService(const GatewayConfig& config, DeliveryStore& store, rpc::AuditLog& audit,
                         std::mutex& audit_mutex, LedgerRecorder* recorder, Dispatcher* dispatcher,
                         CommandService* commands)
    : config_(config),
      store_(store),
      audit_(audit),
      audit_mutex_(audit_mutex),
      recorder_(recorder),
      dispatcher_(dispatcher),
      commands_(commands) {}

void HookService::AddRoutes(http::Server& server) {
  for (Provider provider :
       {Provider::kGitHub, Provider::kGitLab, Provider::kGitea, Provider::kForgejo}) {
    server.Post("/hooks/" + std::string(ProviderName(provider)),
                [this, provider](const http::Request& request, http::Response& response) {
                  Handle(provider, request, response);
                });
  }
  // GET /deliveries/PROVIDER/ID: a delivery's verdict and, once built, the outcome.
  server.GetPrefix("/deliveries/", [this](const http::Request& request, http::Response& response) {
    const std::string rest = request.path.substr(std::string("/deliveries/").size());
    const std::size_t slash = rest.find('/');
    auto found = slash == std::string::npos
                     ? Result<std::optional<std::pair<Delivery, std::string>>>(std::nullopt)
                     : store_.Find(rest.substr(0, slash), rest.substr(slash + 1));
    if (!found.ok()) {
      Answer(response, 503, {{"error", found.error().message()}});
    } else if (!found->has_value()) {
      Answer(response, 404, {{"error", "no such delivery"}});
    } else {
      const auto& [d, outcome] = **found;
      Answer(response, 200,
             {{"provider", d.provider},
              {"delivery", d.delivery_id},
              {"verdict", d.verdict},
              {"repository", d.repository},
              {"commit", d.commit},
              {"component", d.component},
              {"outcome", outcome}});
    }
  });
}

void HookService::Decide(Provider provider, const Request& asked, Delivery& delivery) {
  if (asked.kind == Request::Kind::kIgnored) {
    delivery.verdict = "ignored: " + asked.reason;
    return;
  }
  if (asked.kind == Request::Kind::kRejected) {
    delivery.verdict = "rejected: " + asked.reason;
    return;
  }
  const RepositoryRule* rule = FindRule(provider, asked.repository);
  if (rule == nullptr) {
    delivery.verdict = "rejected: unknown repository " + asked.repository;
    return;
  }
  delivery.component = rule->component;
  if (asked.kind == Request::Kind::kBuild) {
    delivery.queue = true;
    delivery.verdict = "queued";
    return;
  }
  // A comment's command: submitted once (a redelivery is answered from the store).
  if (commands_ == nullptr) {
    delivery.verdict = "ignored: this gateway takes no commands";
    return;
  }
  auto seen = store_.Find(delivery.provider, delivery.delivery_id);
  if (seen.ok() && seen->has_value()) return;  // Record answers the first verdict
  delivery.verdict = "command: " + commands_->Submit(asked.command).verdict;
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
      audit_.RecordUnauthenticated(
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
  Decide(provider, asked, delivery);
  const std::string record = DeliveryRecord(delivery, who->event, std::time(nullptr));
  Result<Recorded> recorded = store_.Record(delivery, record);
  if (!recorded.ok()) {
    // Not recorded, so not acknowledged: the sender retries with the same id.
    Answer(response, 503, {{"error", recorded.error().message()}});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(audit_mutex_);
    audit_.Record({{"event", recorded->duplicate ? "webhook repeated" : "webhook"},
                   {"provider", name},
                   {"delivery", delivery.delivery_id},
                   {"provider_event", who->event},
                   {"verdict", recorded->verdict},
                   {"repository", delivery.repository},
                   {"commit", delivery.commit},
                   {"component", delivery.component},
                   {"body_sha256", delivery.body_sha256}});
  }
  if (!recorded->duplicate && recorder_) recorder_->Wake();
  if (!recorded->duplicate && delivery.queue && dispatcher_) dispatcher_->Wake();
  Answer(response, recorded->duplicate ? 200 : 202,
         {{"delivery", delivery.delivery_id},
          {"verdict", recorded->verdict},
          {"duplicate", recorded->duplicate}});
}

}  // namespace vigil::gateway
