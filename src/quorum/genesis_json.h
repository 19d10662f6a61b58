// The genesis types in QuorumOS's JSON (serde), for protocol messages and `display --json`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"
#include "quorum/genesis_output.h"

namespace vigil::quorum {

// QuorumOS's JSON (serde): snake_case keys, member outputs camelCase, bytes as hex; sorted
// objects for canonical output.
nlohmann::json GenesisOutputJsonValue(const GenesisOutput& output);
Result<GenesisOutput> ReadGenesisOutputJsonValue(const nlohmann::json& value,
                                                 const std::string& path);
// The share set's JSON form: a member set's fields.
nlohmann::json GenesisSetJsonValue(const GenesisSet& set);
Result<GenesisSet> ReadGenesisSetJsonValue(const nlohmann::json& value, const std::string& path);

}  // namespace vigil::quorum
