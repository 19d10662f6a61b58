// Outbound notifications (docs/SPEC-gateway.md, "Notifications"): every verdict record,
// rejections included, POSTed to each configured endpoint the Standard Webhooks way:
//   webhook-id         the record's id, the same on every retry (receivers deduplicate)
//   webhook-timestamp  Unix seconds of this attempt
//   webhook-signature  v1,BASE64(HMAC-SHA256(key, ID "." TIMESTAMP "." BODY))
// with the key the base64 after "whsec_" in the endpoint's secret file. Records go in order,
// one at a time per endpoint; a failed one (no answer, or not 2xx) is retried with backoff
// (1 s doubling to 5 min) before the next. How far each endpoint got is durable, so a
// restart resumes there (at least once).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "crypto/secret.h"
#include "gateway/delivery_store.h"
#include "gateway/wake_signal.h"

namespace vigil::rpc {
class AuditLog;
}  // namespace vigil::rpc

namespace vigil::gateway {

struct NotifyTarget {
  std::string url;   // http://HOST:PORT
  std::string path;  // "/..."
  crypto::SecretBytes key;
};

// The HMAC key of a Standard Webhooks secret: "whsec_" followed by base64.
Result<crypto::SecretBytes> ParseWebhookSecret(std::string_view text);
// The webhook-signature value for one message.
std::string SignWebhook(const crypto::SecretBytes& key, const std::string& id,
                        const std::string& timestamp, std::string_view body);

class Notifier {
 public:
  Notifier(DeliveryStore& store, std::vector<NotifyTarget> targets, rpc::AuditLog& audit,
           std::mutex& audit_mutex);
  ~Notifier();
  void Start();
  void Wake();

 private:
  void Run(std::size_t target);
  Status Send(const NotifyTarget& target, const PendingRecord& record);

  DeliveryStore& store_;
  std::vector<NotifyTarget> targets_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  WakeSignal signal_;
  std::vector<std::thread> threads_;
};

}  // namespace vigil::gateway
