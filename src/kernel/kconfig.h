// Kconfig files as data: a config fragment or a resolved .config read strictly into
// symbol -> value, and the check that a resolved config kept every value a fragment asked
// for. The kernel's own tools (tinyconfig, merge_config.sh, olddefconfig) do the resolving.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::kernel {

inline constexpr std::size_t kMaxConfigSize = 4 << 20;

// CONFIG_NAME -> its value as written after '=' ("y", "m", "\"text\"", "65536"); "n" for
// "# CONFIG_NAME is not set".
using KconfigValues = std::map<std::string, std::string>;

// Reads a fragment or .config: blank lines, comments, CONFIG_NAME=VALUE and
// "# CONFIG_NAME is not set"; a symbol twice, a malformed line or a bad name is BadInput
// naming `origin` and the line.
Result<KconfigValues> ParseKconfig(std::string_view text, const std::string& origin);

// The values in Kconfig's own form, one per line, sorted by symbol ("CONFIG_X=y",
// "# CONFIG_Y is not set"): what ParseKconfig reads back to the same values.
std::string FormatKconfig(const KconfigValues& values);

// A symbol a fragment asked for and what the resolved config has instead ("n" when absent).
struct Deviation {
  std::string symbol;
  std::string requested;
  std::string resolved;
  std::string origin;  // the fragment that asked
};

// Every requested symbol whose resolved value differs.
std::vector<Deviation> FindDeviations(
    const std::vector<std::pair<std::string, KconfigValues>>& requested_by_origin,
    const KconfigValues& resolved);

// Merges fragments in order; the same symbol with two different values is BadInput naming
// both fragments (a fragment never silently overrides another).
Result<KconfigValues> MergeFragments(
    const std::vector<std::pair<std::string, KconfigValues>>& fragments);

// The Kconfig declarations of a source tree: every symbol it defines, and for each the
// "depends on" and "select"-by lines, so a dropped symbol can be explained.
class KconfigIndex {
 public:
  // Reads every Kconfig* file under `source` (not Documentation/).
  static Result<KconfigIndex> Load(const std::filesystem::path& source);

  bool Defines(const std::string& symbol) const { return dependencies_.count(symbol) != 0; }
  // "depends on A && B" lines of the symbol's definitions, joined with "; ".
  std::string DependsOn(const std::string& symbol) const;

 private:
  std::map<std::string, std::vector<std::string>> dependencies_;  // CONFIG_X -> lines
};

// "CONFIG_X: requested y, resolved n (depends on A && B)" for each deviation.
std::string DescribeDeviations(const std::vector<Deviation>& deviations, const KconfigIndex& index);

}  // namespace vigil::kernel
