// One TOML table of a service's configuration file, written key by key in the order given,
// every value escaped (basic strings: quotes, backslashes and control characters are never
// written raw), so any path or name reads back unchanged through the services' loaders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::farm {

class TomlSection {
 public:
  // "[NAME]"; with `array_item`, "[[NAME]]" (one table of an array of tables).
  explicit TomlSection(std::string_view name, bool array_item = false);
  TomlSection& Set(std::string_view key, std::string_view value);
  TomlSection& SetPath(std::string_view key, const std::filesystem::path& value);
  TomlSection& SetInteger(std::string_view key, std::int64_t value);
  TomlSection& SetList(std::string_view key, const std::vector<std::string>& values);
  std::string str() const { return text_.str(); }

 private:
  std::ostringstream text_;
};

}  // namespace vigil::farm
