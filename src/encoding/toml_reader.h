// Strict reading of TOML configuration files (toml++): unknown keys are errors, and every
// error names the file and line (library vigil_toml).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil {

// Parses a whole document; BadInput "ORIGIN:LINE: invalid TOML: ..." on a syntax error.
Result<toml::table> ParseToml(std::string_view text, const std::string& origin);

class TomlReader {
 public:
  explicit TomlReader(std::string origin) : origin_(std::move(origin)) {}

  // BadInput "ORIGIN:LINE: MESSAGE".
  Error Fail(const toml::node* node, const std::string& message) const;
  // Fails on the first key of `table` that is not `allowed`, listing the allowed ones.
  Status CheckKeys(const toml::table& table, const std::string& table_name,
                   std::initializer_list<std::string_view> allowed) const;
  // The string at `key` (`where` names it in errors); empty when absent and not required.
  Result<std::string> String(const toml::table& table, std::string_view key,
                             const std::string& where, bool required) const;
  // The table at `key`; nullptr when absent, an error when it is something else.
  Result<const toml::table*> Table(const toml::table& table, std::string_view key) const;
  // The list of strings at `key` (`where` names it in errors); empty when absent.
  Result<std::vector<std::string>> StringList(const toml::table& table, std::string_view key,
                                              const std::string& where) const;
  // The string at `key` as a path, relative to `base` unless absolute; empty when absent
  // and not required.
  Result<std::filesystem::path> Path(const toml::table& table, std::string_view key,
                                     const std::string& where, const std::filesystem::path& base,
                                     bool required) const;
  // The integer at `key`, within [min, max]; `fallback` when absent.
  Result<std::int64_t> Integer(const toml::table& table, std::string_view key,
                               const std::string& where, std::int64_t fallback, std::int64_t min,
                               std::int64_t max) const;
  // The boolean at `key`; `fallback` when absent.
  Result<bool> Bool(const toml::table& table, std::string_view key, const std::string& where,
                    bool fallback) const;

 private:
  std::string origin_;
};

}  // namespace vigil
