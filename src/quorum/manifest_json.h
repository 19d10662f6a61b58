// The JSON forms of manifests and envelopes, as QuorumOS's qos_client reads and writes them
// (docs/SPEC-quorum.md): camelCase keys, bytes as hex, integers as numbers or decimal
// strings. A `version` key makes a V2 manifest; otherwise a pivot with `bridgeConfig` makes
// V1 and one without makes V0. Unknown keys, a key twice and out-of-range numbers are
// refused, naming the path.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

// Largest manifest or envelope JSON read.
inline constexpr std::size_t kMaxManifestJsonBytes = 4 * 1024 * 1024;

Result<Manifest> ParseManifestJson(std::string_view text);
Result<ManifestEnvelope> ParseEnvelopeJson(std::string_view text);
Result<Approval> ParseApprovalJson(std::string_view text);

// V2: canonical JSON (qos_json), the bytes QuorumOS hashes. V0/V1: compact JSON with the
// fields in declaration order and integers as numbers, as qos_client writes them.
Result<std::string> ManifestJson(const Manifest& manifest);
Result<std::string> EnvelopeJson(const ManifestEnvelope& envelope);
std::string ApprovalJson(const Approval& approval);

// The same over parsed JSON values, for the protocol messages that carry envelopes,
// approvals and members (protocol_json.cc). Writers give sorted objects, for canonical JSON.
Result<ManifestEnvelope> ReadEnvelopeJsonValue(const nlohmann::json& value);
Result<Manifest> ReadManifestJsonValue(const nlohmann::json& value);
nlohmann::json ManifestJsonValue(const Manifest& manifest);
Result<Approval> ReadApprovalJsonValue(const nlohmann::json& value, const std::string& path);
Result<MemberSet> ReadMemberSetJsonValue(const nlohmann::json& value, const std::string& path);
nlohmann::json EnvelopeJsonValue(const ManifestEnvelope& envelope);
nlohmann::json ApprovalJsonValue(const Approval& approval);
nlohmann::json MemberSetJsonValue(const MemberSet& set);
nlohmann::json MemberJsonValue(const QuorumMember& member);
Result<QuorumMember> ReadMemberJsonValue(const nlohmann::json& value, const std::string& path);

}  // namespace vigil::quorum
