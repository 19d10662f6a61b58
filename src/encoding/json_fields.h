// Strict readers for the fields of a parsed JSON document (QuorumOS's manifests, envelopes
// and protocol messages; TUF metadata): each names the JSON path of what it refuses
// ("JSON at $.pivot.restart: ..."), as BadInput.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::encoding::json_fields {

using Keys = std::initializer_list<std::string_view>;

Error BadAt(const std::string& path, const std::string& problem);

// `value` must be an object with every `required` key and nothing outside required+optional.
Status CheckKeys(const nlohmann::json& value, const std::string& path, Keys required,
                 Keys optional = {});
// An integer as a JSON number or, unless `numbers_only`, a decimal string without leading
// zeros (QuorumOS writes both), within `max`.
Result<std::uint64_t> Unsigned(const nlohmann::json& value, const std::string& path,
                               std::uint64_t max, bool numbers_only = false);
Result<std::string> Text(const nlohmann::json& value, const std::string& path, std::size_t max);
// Lowercase or uppercase hex of at most `max` bytes.
Result<Bytes> HexField(const nlohmann::json& value, const std::string& path, std::size_t max);
Result<bool> Flag(const nlohmann::json& value, const std::string& path);
Result<std::vector<std::string>> Strings(const nlohmann::json& value, const std::string& path,
                                         std::size_t max_count, std::size_t max_bytes);

}  // namespace vigil::encoding::json_fields
