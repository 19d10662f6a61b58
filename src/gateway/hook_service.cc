#include "gateway/hook_service.h"

#include <nlohmann/json.hpp>

#include "crypto/hash.h"
#include "gateway/verdict_record.h"
#include "rpc/audit_log.h"
#include "rpc/call_client.h"
#include "tlog/receipt_verifier.h"

namespace vigil::gateway {
namespace {

std::int64_t UnixSecondsNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
  std::optional<PeerTarget> builder = config.builder;
  std::optional<LedgerTarget> ledger = config.ledger;
  std::unique_ptr<HookService> service(new HookService(
      std::move(config), std::move(store), std::make_unique<rpc::AuditLog>(std::move(audit))));
  if (ledger) VIGIL_RETURN_IF_ERROR(service->StartRecorder(*ledger));
  if (builder) VIGIL_RETURN_IF_ERROR(service->StartDispatcher(*builder));
  return service;
}

Status HookService::StartRecorder(const LedgerTarget& ledger) {
  Result<rpc::Peer> peer =
      rpc::MakePeer(ledger.peer.address, {ledger.peer.certificate, ledger.peer.key, ledger.peer.ca},
                    ledger.peer.name);
  if (!peer.ok()) return peer.error().WithContext("[ledger]");
  VIGIL_ASSIGN_OR_RETURN(tlog::NoteVerifier verifier,
                         tlog::NoteVerifier::Parse(ledger.verifier_key));
  recorder_ = std::make_unique<LedgerRecorder>(
      *store_, std::make_unique<rpc::Peer>(std::move(*peer)),
      std::make_unique<tlog::ReceiptVerifier>(std::move(verifier)), *audit_, audit_mutex_);
  recorder_->Start();
  return OkStatus();
}

Status HookService::StartDispatcher(const PeerTarget& builder) {
  Result<rpc::Peer> peer =
      rpc::MakePeer(builder.address, {builder.certificate, builder.key, builder.ca}, builder.name);
  if (!peer.ok()) return peer.error().WithContext("[builder]");
  // A build streams its log for as long as it runs.
  peer->options.limits.idle_timeout = std::chrono::hours(2);
  peer->options.limits.total_timeout = std::chrono::hours(24);
  dispatcher_ = std::make_unique<Dispatcher>(*store_, std::make_unique<rpc::Peer>(std::move(*peer)),
                                             *audit_, audit_mutex_);
  dispatcher_->Start();
  return OkStatus();
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
  const std::string record = DeliveryRecord(delivery, who->event, UnixSecondsNow());
  Result<Recorded> recorded = store_->Record(delivery, record);
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
  if (!recorded->duplicate && recorder_) recorder_->Wake();
  if (!recorded->duplicate && delivery.queue && dispatcher_) dispatcher_->Wake();
  Answer(response, recorded->duplicate ? 200 : 202,
         {{"delivery", delivery.delivery_id},
          {"verdict", recorded->verdict},
          {"duplicate", recorded->duplicate}});
}

}  // namespace vigil::gateway
