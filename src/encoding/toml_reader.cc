#include "encoding/toml_reader.h"

#include <algorithm>

namespace vigil {

Result<toml::table> ParseToml(std::string_view text, const std::string& origin) {
  try {
    return toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Error::BadInput(origin + ":" + std::to_string(e.source().begin.line) +
                           ": invalid TOML: " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Error::BadInput(origin + ": cannot read the file: " + e.what());
  }
}

Error TomlReader::Fail(const toml::node* node, const std::string& message) const {
  std::string where = origin_;
  if (node != nullptr && node->source().begin) {
    where += ":" + std::to_string(node->source().begin.line);
  }
  return Error::BadInput(where + ": " + message);
}

Status TomlReader::CheckKeys(const toml::table& table, const std::string& table_name,
                             std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : table) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Fail(&value, "unknown key '" + std::string(key.str()) + "' in " + table_name +
                              "; allowed keys: " + list);
    }
  }
  return OkStatus();
}

Result<std::string> TomlReader::String(const toml::table& table, std::string_view key,
                                       const std::string& where, bool required) const {
  const toml::node* node = table.get(key);
  if (node == nullptr) {
    if (required) return Fail(&table, "missing required key '" + where + "'");
    return std::string();
  }
  if (!node->is_string()) return Fail(node, "'" + where + "' must be a string");
  return std::string(node->as_string()->get());
}

Result<const toml::table*> TomlReader::Table(const toml::table& table, std::string_view key) const {
  const toml::node* node = table.get(key);
  if (node == nullptr) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table()) return Fail(node, "'" + std::string(key) + "' must be a table");
  return node->as_table();
}

Result<std::vector<std::string>> TomlReader::StringList(const toml::table& table,
                                                        std::string_view key,
                                                        const std::string& where) const {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) return Fail(node, "'" + where + "' must be a list of strings");
  for (const toml::node& item : *array) {
    if (!item.is_string()) return Fail(&item, "'" + where + "' must be a list of strings");
    out.push_back(item.as_string()->get());
  }
  return out;
}

Result<std::filesystem::path> TomlReader::Path(const toml::table& table, std::string_view key,
                                               const std::string& where,
                                               const std::filesystem::path& base,
                                               bool required) const {
  VIGIL_ASSIGN_OR_RETURN(std::string text, String(table, key, where, required));
  if (text.empty()) return std::filesystem::path();
  return base / text;  // an absolute `text` replaces `base`
}

Result<std::int64_t> TomlReader::Integer(const toml::table& table, std::string_view key,
                                         const std::string& where, std::int64_t fallback,
                                         std::int64_t min, std::int64_t max) const {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_integer()) return Fail(node, "'" + where + "' must be an integer");
  const std::int64_t value = node->as_integer()->get();
  if (value < min || value > max) {
    return Fail(node, "'" + where + "' must be between " + std::to_string(min) + " and " +
                          std::to_string(max));
  }
  return value;
}

Result<bool> TomlReader::Bool(const toml::table& table, std::string_view key,
                              const std::string& where, bool fallback) const {
  const toml::node* node = table.get(key);
  if (node == nullptr) return fallback;
  if (!node->is_boolean()) return Fail(node, "'" + where + "' must be true or false");
  return node->as_boolean()->get();
}

}  // namespace vigil
