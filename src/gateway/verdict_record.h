// The ledger records of the gateway's verdicts (docs/SPEC-gateway.md, "Verdicts in the
// ledger"): one `gateway-verdict` record per authenticated delivery and per command
// submission, canonical JSON, with a record_id so that the ledger appends each once however
// often the gateway retries.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gateway/delivery_store.h"

namespace vigil::gateway {

inline constexpr char kVerdictRecordType[] = "gateway-verdict";

// PREFIX followed by 32 random hex digits: the id of a record that has no natural one (a
// command submission, a refused publication).
std::string NewRecordId(std::string_view prefix);

// "delivery:PROVIDER:DELIVERY_ID".
std::string VerdictRecordId(const Delivery& delivery);

// The record of a delivery's verdict; `event` is the provider's event name.
std::string DeliveryRecord(const Delivery& delivery, const std::string& event,
                           std::int64_t unix_seconds);

}  // namespace vigil::gateway
