#include "kernel/kconfig.h"

#include <algorithm>
#include <fstream>
#include <set>

namespace vigil::kernel {
namespace {

// Kconfig names are mostly upper case, but a few carry a device's own spelling
// (CRYPTO_DEV_QAT_DH895xCC).
bool IsSymbolChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsSymbol(std::string_view name) {
  return name.size() > 7 && name.size() <= 128 && name.starts_with("CONFIG_") &&
         std::all_of(name.begin() + 7, name.end(), IsSymbolChar);
}

// A value as Kconfig writes it: y, m, a decimal or hex number, or a double-quoted string.
bool IsValue(std::string_view value) {
  if (value == "y" || value == "m") return true;
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    for (std::size_t i = 1; i + 1 < value.size(); ++i) {
      const unsigned char c = static_cast<unsigned char>(value[i]);
      if (c < 0x20 || c == 0x7f) return false;
      if (value[i] == '\\')
        ++i;  // an escaped character
      else if (value[i] == '"')
        return false;
    }
    return true;
  }
  std::string_view digits = value;
  if (digits.starts_with("-")) digits.remove_prefix(1);
  if (digits.starts_with("0x")) {
    digits.remove_prefix(2);
    return !digits.empty() && digits.size() <= 16 &&
           std::all_of(digits.begin(), digits.end(), [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
           });
  }
  return !digits.empty() && digits.size() <= 20 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr std::string_view kNotSetSuffix = " is not set";

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

Result<KconfigValues> ParseKconfig(std::string_view text, const std::string& origin) {
  if (text.size() > kMaxConfigSize) {
    return Error::BadInput(origin + " is over " + std::to_string(kMaxConfigSize) + " bytes");
  }
  KconfigValues values;
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    const std::string where = origin + ":" + std::to_string(number) + ": ";
    std::string symbol;
    std::string value;
    if (line.starts_with("# CONFIG_") && line.ends_with(kNotSetSuffix)) {
      symbol = std::string(line.substr(2, line.size() - 2 - kNotSetSuffix.size()));
      value = "n";
    } else if (line.empty() || line.starts_with("#")) {
      continue;
    } else if (const std::size_t equals = line.find('='); equals != std::string_view::npos) {
      symbol = std::string(line.substr(0, equals));
      value = std::string(line.substr(equals + 1));
      if (!IsValue(value)) {
        return Error::BadInput(where + "the value of " + symbol +
                               " must be y, m, a number or a double-quoted string");
      }
    } else {
      return Error::BadInput(where + "expected CONFIG_NAME=VALUE, \"# CONFIG_NAME is not set\" " +
                             "or a comment, got '" + std::string(Trim(line)) + "'");
    }
    if (!IsSymbol(symbol)) {
      return Error::BadInput(where + "'" + symbol +
                             "' is not a Kconfig symbol (CONFIG_ then letters, digits, _)");
    }
    if (!values.emplace(symbol, value).second) {
      return Error::BadInput(where + symbol + " is set twice");
    }
  }
  return values;
}

std::string FormatKconfig(const KconfigValues& values) {
  std::string text;
  for (const auto& [symbol, value] : values) {
    text += value == "n" ? "# " + symbol + " is not set\n" : symbol + "=" + value + "\n";
  }
  return text;
}

Result<KconfigValues> MergeFragments(
    const std::vector<std::pair<std::string, KconfigValues>>& fragments) {
  KconfigValues merged;
  std::map<std::string, std::string> origin_of;
  for (const auto& [origin, values] : fragments) {
    for (const auto& [symbol, value] : values) {
      auto [it, added] = merged.emplace(symbol, value);
      if (!added && it->second != value) {
        return Error::BadInput(origin + " sets " + symbol + "=" + value + " but " +
                               origin_of[symbol] + " sets it " + it->second +
                               ": fragments may not override each other; change one of them");
      }
      if (added) origin_of[symbol] = origin;
    }
  }
  return merged;
}

std::vector<Deviation> FindDeviations(
    const std::vector<std::pair<std::string, KconfigValues>>& requested_by_origin,
    const KconfigValues& resolved) {
  std::vector<Deviation> deviations;
  std::set<std::string> reported;
  for (const auto& [origin, requested] : requested_by_origin) {
    for (const auto& [symbol, value] : requested) {
      auto found = resolved.find(symbol);
      const std::string actual = found == resolved.end() ? "n" : found->second;
      if (actual != value && reported.insert(symbol).second) {
        deviations.push_back({symbol, value, actual, origin});
      }
    }
  }
  return deviations;
}

namespace {

// The word after `keyword` at the start of `line`, or empty.
std::string After(std::string_view line, std::string_view keyword) {
  if (!line.starts_with(keyword)) return {};
  return std::string(Trim(line.substr(keyword.size())));
}

// `keyword` alone on the line, or followed by a comment.
bool IsKeyword(std::string_view line, std::string_view keyword) {
  if (!line.starts_with(keyword)) return false;
  const std::string_view rest = Trim(line.substr(keyword.size()));
  return rest.empty() || rest.front() == '#';
}

std::size_t Indent(std::string_view line) {
  std::size_t columns = 0;
  for (char c : line) {
    if (c == ' ')
      ++columns;
    else if (c == '\t')
      columns = (columns / 8 + 1) * 8;
    else
      break;
  }
  return columns;
}

// A help text: from the line after "help" to the first line indented less than its first
// line (Kconfig's rule); its words ("if", "source", ...) are not statements.
class HelpText {
 public:
  void Begin(std::string_view keyword_line) {
    active_ = true;
    keyword_indent_ = Indent(keyword_line);
    text_indent_ = 0;
  }
  // True when `raw` belongs to the help text being read.
  bool Skips(std::string_view raw) {
    if (!active_) return false;
    if (Trim(raw).empty()) return true;
    const std::size_t indent = Indent(raw);
    if (text_indent_ == 0) {
      if (indent <= keyword_indent_) return active_ = false;
      text_indent_ = indent;
      return true;
    }
    if (indent < text_indent_) return active_ = false;
    return true;
  }

 private:
  bool active_ = false;
  std::size_t keyword_indent_ = 0;
  std::size_t text_indent_ = 0;
};

// Reads one Kconfig file and, depth first, the files it sources, carrying the enclosing
// "if" conditions into them (net/Kconfig's "if NET" covers every file sourced inside it).
class KconfigWalker {
 public:
  KconfigWalker(std::filesystem::path source,
                std::map<std::string, std::vector<std::string>>& dependencies)
      : source_(std::move(source)), dependencies_(dependencies) {}

  void Walk(const std::string& relative, std::vector<std::string> conditions) {
    if (++files_ > 5000 || !seen_.insert(relative).second) return;
    std::ifstream in(source_ / relative);
    std::string current;
    HelpText help;
    for (std::string raw; std::getline(in, raw);) {
      if (help.Skips(raw)) continue;
      const std::string_view line = Trim(raw);
      std::string word;
      if (!(word = After(line, "config ")).empty() ||
          !(word = After(line, "menuconfig ")).empty()) {
        current = "CONFIG_" + word;
        auto& lines = dependencies_[current];
        for (const std::string& condition : conditions) lines.push_back("inside if " + condition);
      } else if (!(word = After(line, "depends on ")).empty()) {
        if (!current.empty()) dependencies_[current].push_back("depends on " + word);
      } else if (!(word = After(line, "if ")).empty()) {
        conditions.push_back(word.substr(0, word.find('#')));
        while (!conditions.back().empty() && conditions.back().back() == ' ')
          conditions.back().pop_back();
        current.clear();
      } else if (IsKeyword(line, "endif")) {
        if (!conditions.empty()) conditions.pop_back();
        current.clear();
      } else if (!(word = After(line, "source ")).empty()) {
        Walk(SourcedPath(word), conditions);
        current.clear();
      } else if (IsKeyword(line, "help") || IsKeyword(line, "---help---")) {
        help.Begin(raw);
      } else if (line.starts_with("choice") || line.starts_with("endchoice") ||
                 line.starts_with("menu ") || line.starts_with("endmenu") ||
                 line.starts_with("comment ")) {
        current.clear();
      }
    }
  }

 private:
  // "arch/$(SRCARCH)/Kconfig" -> arch/x86/Kconfig (we build x86_64 only).
  static std::string SourcedPath(std::string quoted) {
    if (quoted.size() >= 2 && quoted.front() == '"') quoted = quoted.substr(1, quoted.size() - 2);
    for (const std::string variable : {"$(SRCARCH)", "$(HEADER_ARCH)"}) {
      for (std::size_t at; (at = quoted.find(variable)) != std::string::npos;) {
        quoted.replace(at, variable.size(), "x86");
      }
    }
    return quoted;
  }

  std::filesystem::path source_;
  std::map<std::string, std::vector<std::string>>& dependencies_;
  std::set<std::string> seen_;
  std::size_t files_ = 0;
};

}  // namespace

Result<KconfigIndex> KconfigIndex::Load(const std::filesystem::path& source) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(source / "Kconfig", error)) {
    return Error::BadInput(source.string() + " has no top-level Kconfig: not a kernel tree");
  }
  KconfigIndex index;
  KconfigWalker(source, index.dependencies_).Walk("Kconfig", {});
  return index;
}

std::string KconfigIndex::DependsOn(const std::string& symbol) const {
  auto found = dependencies_.find(symbol);
  if (found == dependencies_.end()) return {};
  std::vector<std::string> unique;
  for (const std::string& line : found->second) {
    if (std::find(unique.begin(), unique.end(), line) == unique.end()) unique.push_back(line);
  }
  std::string joined;
  for (const std::string& line : unique) joined += (joined.empty() ? "" : "; ") + line;
  return joined;
}

std::string DescribeDeviations(const std::vector<Deviation>& deviations,
                               const KconfigIndex& index) {
  std::string text;
  for (const Deviation& d : deviations) {
    text += "  " + d.symbol + ": " + d.origin + " requests " + d.requested + ", Kconfig resolved " +
            d.resolved;
    if (!index.Defines(d.symbol)) {
      text += " (no Kconfig file in this source defines it: misspelt, or gone in this version)";
    } else if (std::string depends = index.DependsOn(d.symbol); !depends.empty()) {
      text += " (" + depends + ")";
    }
    text += "\n";
  }
  return text;
}

}  // namespace vigil::kernel
