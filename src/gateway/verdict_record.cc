#include "gateway/verdict_record.h"

#include <array>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "base/time.h"
#include "crypto/random.h"

namespace vigil::gateway {
namespace {

// Fields come from code hosts: bounded, so that a record always fits a ledger entry.
std::string Bounded(const std::string& text) { return text.substr(0, 512); }

}  // namespace

std::string NewRecordId(std::string_view prefix) {
  std::array<std::uint8_t, 16> bytes{};
  (void)crypto::RandomBytes(bytes);
  return std::string(prefix) + HexEncode(ByteView(bytes.data(), bytes.size()));
}

std::string VerdictRecordId(const Delivery& delivery) {
  return "delivery:" + delivery.provider + ":" + delivery.delivery_id;
}

std::string DeliveryRecord(const Delivery& delivery, const std::string& event,
                           std::int64_t unix_seconds) {
  // nlohmann's default object sorts its keys, so dump() is the ledger's canonical form.
  const nlohmann::json record{{"type", kVerdictRecordType},
                              {"record_id", VerdictRecordId(delivery)},
                              {"kind", "delivery"},
                              {"provider", Bounded(delivery.provider)},
                              {"delivery", Bounded(delivery.delivery_id)},
                              {"event", Bounded(event)},
                              {"repository", Bounded(delivery.repository)},
                              {"ref", Bounded(delivery.ref)},
                              {"commit", Bounded(delivery.commit)},
                              {"component", Bounded(delivery.component)},
                              {"body_sha256", delivery.body_sha256},
                              {"verdict", Bounded(delivery.verdict)},
                              {"time", FormatRfc3339UtcSeconds(unix_seconds)}};
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vigil::gateway
