// The JSON forms of TUF's metadata (tuf/metadata.h), for the file readers and writers and
// for key ids. Readers name the JSON path of what they refuse.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "tuf/metadata.h"

namespace vigil::tuf {

nlohmann::json KeyJson(const Key& key);
nlohmann::json RootJson(const Root& root);
nlohmann::json TargetsJson(const Targets& targets);
nlohmann::json SnapshotJson(const Snapshot& snapshot);
nlohmann::json TimestampJson(const Timestamp& timestamp);

Result<Root> ReadRootJson(const nlohmann::json& value);
Result<Targets> ReadTargetsJson(const nlohmann::json& value);
Result<Snapshot> ReadSnapshotJson(const nlohmann::json& value);
Result<Timestamp> ReadTimestampJson(const nlohmann::json& value);

}  // namespace vigil::tuf
