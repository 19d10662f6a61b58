#include "gateway/gateway.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "crypto/hash.h"
#include "gateway/channels.h"
#include "gateway/command_service.h"
#include "gateway/delivery_store.h"
#include "gateway/dispatcher.h"
#include "gateway/hook_service.h"
#include "gateway/ledger_recorder.h"
#include "gateway/notifier.h"
#include "gateway/status_page.h"
#include "gateway/verdict_record.h"
#include "rpc/audit_log.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"
#include "tlog/receipt_verifier.h"

namespace vigil::gateway {
namespace {

void Answer(http::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.SetContent(body.dump() + "\n", "application/json");
}

Result<rpc::Peer> PeerFor(const PeerTarget& target) {
  Result<rpc::Peer> peer =
      rpc::MakePeer(target.address, {target.certificate, target.key, target.ca}, target.name);
  if (!peer.ok()) return peer.error().WithContext("[" + target.name + "]");
  return peer;
}

// "build BUILD_ID" and "commit SHA40", one line each, as vigil.Publish's input.
Result<std::pair<std::string, std::string>> ParsePublishInput(const std::string& input) {
  const std::size_t newline = input.find('\n');
  const std::string build = input.substr(0, newline);
  const std::string commit = newline == std::string::npos ? "" : input.substr(newline + 1);
  if (build.rfind("build ", 0) != 0 || commit.rfind("commit ", 0) != 0 || commit.size() != 48 ||
      commit.back() != '\n') {
    return Error::BadInput("vigil.Publish takes two lines: build BUILD_ID, commit SHA40");
  }
  return std::make_pair(build.substr(6), commit.substr(7, 40));
}

struct PublishParts {
  Channels* channels;
  DeliveryStore* store;
  LedgerRecorder* recorder;
  rpc::AuditLog* audit;
  std::mutex* audit_mutex;
};

// vigil.Publish+COMPONENT: a builder's published build, checked and added to testing; the
// verdict is answered, audited and recorded for the ledger.
asio::awaitable<Status> ServePublish(rpc::Call& call, PublishParts parts) {
  std::string input;
  while (true) {
    auto chunk = co_await call.Read();
    VIGIL_CO_RETURN_IF_ERROR(chunk.status());
    if (!chunk->has_value()) break;
    input += **chunk;
    if (input.size() > 4096) co_return Error::BadInput("vigil.Publish's input is two short lines");
  }
  if (parts.channels == nullptr) co_return Error::BadInput("this gateway has no [channels]");
  auto asked = ParsePublishInput(input);
  VIGIL_CO_RETURN_IF_ERROR(asked.status());
  const auto& [build_id, commit] = *asked;
  const std::string component = call.argument();
  Status published = parts.channels->PublishTesting(component, build_id, commit);
  const std::string verdict = published.ok() ? "accepted: " + build_id + " published to testing"
                                             : "rejected: " + published.error().message();
  // A refusal and a publication of the same build are different records.
  const std::string record_id = published.ok()
                                    ? "publish:" + component + ":" + build_id
                                    : NewRecordId("publish:" + component + ":" + build_id + ":");
  const nlohmann::json record{{"type", kVerdictRecordType},
                              {"record_id", record_id},
                              {"kind", "publish"},
                              {"component", component},
                              {"build_id", build_id},
                              {"commit", commit},
                              {"caller", call.caller().name},
                              {"verdict", verdict},
                              {"time", FormatRfc3339UtcSeconds(std::time(nullptr))}};
  (void)parts.store->AddRecord(record_id, record.dump());
  if (parts.recorder) parts.recorder->Wake();
  {
    std::lock_guard<std::mutex> lock(*parts.audit_mutex);
    parts.audit->Record({{"event", "publish"},
                         {"component", component},
                         {"build_id", build_id},
                         {"verdict", verdict}});
  }
  VIGIL_CO_RETURN_IF_ERROR(published);
  co_return co_await call.Write(verdict + "\n");
}

}  // namespace

Gateway::Gateway(GatewayConfig config) : config_(std::move(config)) {}

Gateway::~Gateway() {
  refresh_signal_.Stop();
  if (host_) host_->Stop();
  if (host_thread_.joinable()) host_thread_.join();
  if (refresh_thread_.joinable()) refresh_thread_.join();
}

Result<std::unique_ptr<Gateway>> Gateway::Create(GatewayConfig config) {
  std::unique_ptr<Gateway> gateway(new Gateway(std::move(config)));
  VIGIL_RETURN_IF_ERROR(gateway->Assemble());
  return gateway;
}

Status Gateway::OpenStore() {
  if (config_.database.empty()) {
    VIGIL_ASSIGN_OR_RETURN(store_, DeliveryStore::Open(config_.state_dir / "deliveries.db"));
    return OkStatus();
  }
  auto store = DeliveryStore::OpenDatabase(config_.database);
  if (!store.ok()) return store.error().WithContext("[gateway] database");
  store_ = std::move(store).value();
  return OkStatus();
}

Status Gateway::Assemble() {
  std::error_code ec;
  std::filesystem::create_directories(config_.state_dir, ec);
  if (ec) return Error::Failed("cannot create " + config_.state_dir.string() + ": " + ec.message());
  VIGIL_RETURN_IF_ERROR(OpenStore());
  VIGIL_ASSIGN_OR_RETURN(rpc::AuditLog audit, rpc::AuditLog::Open(config_.audit_log));
  audit_ = std::make_unique<rpc::AuditLog>(std::move(audit));
  std::shared_ptr<tlog::ReceiptVerifier> receipts;
  if (config_.ledger) {
    VIGIL_ASSIGN_OR_RETURN(rpc::Peer peer, PeerFor(config_.ledger->peer));
    VIGIL_ASSIGN_OR_RETURN(tlog::NoteVerifier verifier,
                           tlog::NoteVerifier::Parse(config_.ledger->verifier_key));
    receipts = std::make_shared<tlog::ReceiptVerifier>(std::move(verifier));
    recorder_ = std::make_unique<LedgerRecorder>(
        *store_, std::make_unique<rpc::Peer>(std::move(peer)), receipts, *audit_, audit_mutex_);
    recorder_->Start();
  }
  if (!config_.builders.empty()) {
    std::vector<PoolBuilder> pool;
    for (const BuilderTarget& builder : config_.builders) {
      VIGIL_ASSIGN_OR_RETURN(rpc::Peer peer, PeerFor(builder.peer));
      // A build streams its log for as long as it runs.
      peer.options.limits.idle_timeout = std::chrono::hours(2);
      peer.options.limits.total_timeout = std::chrono::hours(24);
      pool.push_back(
          {builder.peer.name, std::make_unique<rpc::Peer>(std::move(peer)), builder.components});
    }
    dispatcher_ = std::make_unique<Dispatcher>(*store_, std::move(pool), *audit_, audit_mutex_);
    dispatcher_->Start();
  }
  if (config_.channels) {
    auto channels = Channels::Open(*config_.channels, receipts);
    if (!channels.ok()) return channels.error().WithContext("[channels]");
    channels_ = std::move(channels).value();
  }
  if (config_.commands) {
    CommandTargets targets{.deliveries = store_.get(),
                           .wake_dispatcher =
                               [this] {
                                 if (dispatcher_) dispatcher_->Wake();
                               },
                           .channels = channels_.get(),
                           .ledger = recorder_.get(),
                           .wake_recorder =
                               [this] {
                                 if (recorder_) recorder_->Wake();
                               },
                           .record_outbox = config_.database.empty() ? nullptr : store_.get()};
    auto commands = CommandService::Create(*config_.commands, config_.state_dir, std::move(targets),
                                           *audit_, audit_mutex_);
    if (!commands.ok()) return commands.error().WithContext("[commands]");
    commands_ = std::move(commands).value();
  }
  hooks_ = std::make_unique<HookService>(config_, *store_, *audit_, audit_mutex_, recorder_.get(),
                                         dispatcher_.get(), commands_.get());
  const std::string where = std::filesystem::absolute(config_.state_dir).string();
  status_ = std::make_unique<StatusPage>(
      *store_, channels_.get(),
      "urn:vigil:gateway:" + crypto::Sha256Hex(crypto::Sha256(AsBytes(where))));
  if (!config_.notify.empty()) {
    notifier_ =
        std::make_unique<Notifier>(*store_, std::move(config_.notify), *audit_, audit_mutex_);
    notifier_->Start();
  }
  return OkStatus();
}

void Gateway::AddRoutes(http::Server& server) {
  hooks_->AddRoutes(server);
  status_->AddRoutes(server);
  server.Post("/commands", [this](const http::Request& request, http::Response& response) {
    if (!commands_) {
      Answer(response, 404, {{"error", "this gateway takes no commands (no [commands])"}});
      return;
    }
    const CommandVerdict verdict = commands_->Submit(request.body);
    Answer(response, verdict.http_status, {{"verdict", verdict.verdict}});
  });
  server.Get("/healthz", [](const http::Request&, http::Response& response) {
    response.SetContent("ok\n", "text/plain");
  });
}

void Gateway::RefreshMetadata() {
  const auto period = std::chrono::seconds(config_.channels->timestamp_seconds / 2);
  std::uint64_t seen = 0;
  while (refresh_signal_.WaitFor(period, seen, /*for_wakes=*/false)) {
    Result<std::string> refreshed = channels_->Refresh();
    std::lock_guard<std::mutex> audit_lock(audit_mutex_);
    audit_->Record({{"event", "metadata re-signed"},
                    {"roles", refreshed.ok() ? *refreshed : ""},
                    {"error", refreshed.ok() ? "" : refreshed.error().message()}});
  }
}

Status Gateway::StartServices() {
  if (channels_) refresh_thread_ = std::thread([this] { RefreshMetadata(); });
  if (!config_.service) return OkStatus();
  rpc::ServiceHostOptions options = config_.service->HostOptions();
  options.handle_signals = false;  // the gateway's main thread waits for them
  VIGIL_ASSIGN_OR_RETURN(host_, rpc::ServiceHost::Create(options));
  const PublishParts parts{channels_.get(), store_.get(), recorder_.get(), audit_.get(),
                           &audit_mutex_};
  host_->Register("vigil.Publish", [parts](rpc::Call& call) { return ServePublish(call, parts); });
  VIGIL_RETURN_IF_ERROR(rpc::ListenAndAnnounce(*host_, config_.service->listen, "vigil-gateway"));
  host_thread_ = std::thread([this] { (void)host_->Run(); });
  return OkStatus();
}

}  // namespace vigil::gateway
