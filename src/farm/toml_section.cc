#include "farm/toml_section.h"

#include <toml++/toml.h>

namespace vigil::farm {
namespace {

// One `key = value` line, through toml++'s formatter (basic strings only).
void Put(std::ostringstream& text, const toml::table& one_value) {
  text << toml::toml_formatter(one_value, toml::format_flags::none) << "\n";
}

}  // namespace

TomlSection::TomlSection(std::string_view name, bool array_item) {
  text_ << (array_item ? "\n[[" : "\n[") << name << (array_item ? "]]\n" : "]\n");
}

TomlSection& TomlSection::Set(std::string_view key, std::string_view value) {
  toml::table one;
  one.insert(key, std::string(value));
  Put(text_, one);
  return *this;
}

TomlSection& TomlSection::SetPath(std::string_view key, const std::filesystem::path& value) {
  return Set(key, std::string_view(value.string()));
}

TomlSection& TomlSection::SetInteger(std::string_view key, std::int64_t value) {
  toml::table one;
  one.insert(key, value);
  Put(text_, one);
  return *this;
}

TomlSection& TomlSection::SetList(std::string_view key, const std::vector<std::string>& values) {
  toml::array list;
  for (const std::string& value : values) list.push_back(value);
  toml::table one;
  one.insert(key, std::move(list));
  Put(text_, one);
  return *this;
}

}  // namespace vigil::farm
