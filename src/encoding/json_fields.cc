#include "encoding/json_fields.h"

#include <algorithm>

#include "base/hex.h"
#include "base/strict_number.h"

namespace vigil::encoding::json_fields {

Error BadAt(const std::string& path, const std::string& problem) {
  return Error::BadInput("JSON at " + path + ": " + problem);
}

// `value` must be an object with every `required` key and nothing outside required+optional.
Status CheckKeys(const nlohmann::json& value, const std::string& path, Keys required,
                 Keys optional) {
  if (!value.is_object()) return BadAt(path, "must be an object");
  for (std::string_view key : required) {
    if (!value.contains(std::string(key))) return BadAt(path, "lacks \"" + std::string(key) + "\"");
  }
  for (const auto& item : value.items()) {
    const std::string& key = item.key();
    auto known = [&](Keys keys) { return std::find(keys.begin(), keys.end(), key) != keys.end(); };
    if (!known(required) && !known(optional)) return BadAt(path, "unknown key \"" + key + "\"");
  }
  return OkStatus();
}

Result<std::uint64_t> Unsigned(const nlohmann::json& value, const std::string& path,
                               std::uint64_t max, bool numbers_only) {
  if (value.is_number_unsigned()) {
    if (value.get<std::uint64_t>() > max) return BadAt(path, "is over " + std::to_string(max));
    return value.get<std::uint64_t>();
  }
  if (value.is_string() && !numbers_only) {
    auto scanned =
        ScanUnsigned(value.get_ref<const std::string&>(), 0, max, LeadingZeros::kRefused);
    if (scanned.ok()) return scanned.value;
  }
  return BadAt(path, "must be an integer from 0 to " + std::to_string(max));
}

Result<std::string> Text(const nlohmann::json& value, const std::string& path, std::size_t max) {
  if (!value.is_string()) return BadAt(path, "must be a string");
  const std::string& text = value.get_ref<const std::string&>();
  if (text.size() > max) return BadAt(path, "is longer than " + std::to_string(max) + " bytes");
  return text;
}

Result<Bytes> HexField(const nlohmann::json& value, const std::string& path, std::size_t max) {
  VIGIL_ASSIGN_OR_RETURN(std::string text, Text(value, path, 2 * max));
  Result<Bytes> bytes = HexDecode(text);
  if (!bytes.ok()) return BadAt(path, "must be hex");
  return bytes;
}

Result<bool> Flag(const nlohmann::json& value, const std::string& path) {
  if (!value.is_boolean()) return BadAt(path, "must be true or false");
  return value.get<bool>();
}

Result<std::vector<std::string>> Strings(const nlohmann::json& value, const std::string& path,
                                         std::size_t max_count, std::size_t max_bytes) {
  if (!value.is_array() || value.size() > max_count) {
    return BadAt(path, "must be an array of at most " + std::to_string(max_count) + " strings");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::string text,
                           Text(value[i], path + "[" + std::to_string(i) + "]", max_bytes));
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace vigil::encoding::json_fields
