// The JSON forms of a reshard manifest and its envelope (docs/SPEC-quorum.md, "Resharding"):
// canonical qos_json, camelCase keys, the manifest inside in its own JSON form. Unknown
// keys, a key twice and another version are refused, naming the path.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "quorum/reshard.h"

namespace vigil::quorum {

Result<ReshardManifest> ParseReshardManifestJson(std::string_view text);
Result<ReshardEnvelope> ParseReshardEnvelopeJson(std::string_view text);
Result<std::string> ReshardManifestJson(const ReshardManifest& reshard);
Result<std::string> ReshardEnvelopeJson(const ReshardEnvelope& envelope);

// For the protocol message that carries the envelope (protocol_json.cc).
nlohmann::json ReshardEnvelopeJsonValue(const ReshardEnvelope& envelope);
Result<ReshardEnvelope> ReadReshardEnvelopeJsonValue(const nlohmann::json& value,
                                                     const std::string& path);

}  // namespace vigil::quorum
