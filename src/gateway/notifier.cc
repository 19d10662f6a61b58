#include "gateway/notifier.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "crypto/hkdf.h"
#include "http/client.h"
#include "rpc/audit_log.h"

namespace vigil::gateway {
namespace {

constexpr std::chrono::milliseconds kFirstRetry(1000);
constexpr std::chrono::milliseconds kLastRetry(300'000);

}  // namespace

Result<crypto::SecretBytes> ParseWebhookSecret(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  constexpr std::string_view kPrefix = "whsec_";
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    return Error::BadInput("a notification secret is whsec_ followed by base64");
  }
  Result<Bytes> key = Base64Decode(text.substr(kPrefix.size()));
  if (!key.ok() || key->size() < 24 || key->size() > 64) {
    return Error::BadInput("a notification secret's key is 24 to 64 bytes of base64");
  }
  crypto::SecretBytes secret(key->size());
  std::copy(key->begin(), key->end(), secret.data());
  crypto::Wipe(*key);
  return secret;
}

std::string SignWebhook(const crypto::SecretBytes& key, const std::string& id,
                        const std::string& timestamp, std::string_view body) {
  const std::string content = id + "." + timestamp + "." + std::string(body);
  auto mac = crypto::HmacSha256(key.view(), AsBytes(content));
  return "v1," + Base64Encode(mac.ok() ? mac->view() : ByteView());
}

Notifier::Notifier(DeliveryStore& store, std::vector<NotifyTarget> targets, rpc::AuditLog& audit,
                   std::mutex& audit_mutex)
    : store_(store), targets_(std::move(targets)), audit_(audit), audit_mutex_(audit_mutex) {}

Notifier::~Notifier() {
  signal_.Stop();
  for (std::thread& thread : threads_) thread.join();
}

void Notifier::Start() {
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    threads_.emplace_back([this, i] { Run(i); });
  }
}

void Notifier::Wake() { signal_.Wake(); }

Status Notifier::Send(const NotifyTarget& target, const PendingRecord& record) {
  VIGIL_ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(target.url));
  const std::string timestamp = std::to_string(std::time(nullptr));
  const http::HeaderList headers = {
      {"Content-Type", "application/json"},
      {"webhook-id", record.record_id},
      {"webhook-timestamp", timestamp},
      {"webhook-signature", SignWebhook(target.key, record.record_id, timestamp, record.body)}};
  http::ClientLimits limits;
  limits.deadline = std::chrono::seconds(15);
  limits.max_body = 64 * 1024;
  VIGIL_ASSIGN_OR_RETURN(http::Reply reply,
                         http::Post(url, target.path, AsBytes(record.body), limits, headers));
  if (reply.status < 200 || reply.status > 299) {
    return Error::Failed("HTTP " + std::to_string(reply.status));
  }
  return OkStatus();
}

void Notifier::Run(std::size_t index) {
  const NotifyTarget& target = targets_[index];
  const std::string name = target.url + target.path;
  std::chrono::milliseconds retry = kFirstRetry;
  std::uint64_t seen = 0;
  while (true) {
    Result<std::uint64_t> done = store_.NotifiedUpTo(name);
    Result<std::vector<PendingRecord>> next =
        done.ok() ? store_.RecordsAfter(*done, 1)
                  : Result<std::vector<PendingRecord>>(done.error());
    if (next.ok() && next->empty()) {
      if (!signal_.WaitFor(std::chrono::seconds(1), seen)) return;
      continue;
    }
    Status sent = next.ok() ? Send(target, next->front()) : Status(next.error());
    if (sent.ok()) sent = store_.SetNotifiedUpTo(name, next->front().seq);
    if (sent.ok()) {
      retry = kFirstRetry;
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(audit_mutex_);
      audit_.Record({{"event", "notification delayed"},
                     {"target", name},
                     {"retry_in_ms", retry.count()},
                     {"error", sent.error().message()}});
    }
    if (!signal_.WaitFor(retry, seen, /*for_wakes=*/false)) return;  // a backoff runs out
    retry = std::min(retry * 2, kLastRetry);
  }
}

}  // namespace vigil::gateway
