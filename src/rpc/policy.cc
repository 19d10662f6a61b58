#include "rpc/policy.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "base/file.h"
#include "rpc/ca.h"
#include "rpc/call_request.h"

namespace vigil::rpc {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxPolicyFile = 1 << 20;
constexpr int kMaxIncludeDepth = 8;
// Totals over a whole load, every !include counted each time it is read: depth alone let
// 220 KB of policy expand to 10^8 file reads (minutes, while a reloading host stalls).
constexpr std::size_t kMaxPolicyFilesRead = 1000;
constexpr std::uint64_t kMaxPolicyBytesRead = 8 << 20;
constexpr std::size_t kMaxRules = 100000;
// The grammar of role names and tags (IsRoleName), for error messages.
constexpr char kRoleNames[] = "role names and tags are 1-63 of a-z 0-9 . -, starting with a-z 0-9";

std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string field;
  while (in >> field) out.push_back(field);
  return out;
}

// "@any", "@tag:T" or a role name: only what a certificate can carry can ever match.
bool IsIdentityPattern(std::string_view s) {
  if (s == "@any") return true;
  if (s.starts_with("@tag:")) return IsRoleName(s.substr(5));
  return IsRoleName(s);
}

// "*", or "+" then an argument a request can carry ("+" alone is the empty argument).
bool IsArgumentPattern(std::string_view s) {
  return s == "*" || (s.starts_with('+') && IsCallArgument(s.substr(1)));
}

bool MatchesIdentity(const std::string& pattern, const CallIdentity& who) {
  if (pattern == "@any") return true;
  if (pattern.rfind("@tag:", 0) == 0) {
    const std::string tag = pattern.substr(5);
    return std::find(who.tags.begin(), who.tags.end(), tag) != who.tags.end();
  }
  return pattern == who.name;
}

bool MatchesArgument(const std::string& pattern, const std::string& argument) {
  if (pattern == "*") return true;
  return pattern.substr(1) == argument;  // "+" is the empty argument, "+ARG" is ARG
}

class Parser {
 public:
  Status ParseText(std::string_view text, const std::string& file, const fs::path& dir, int depth) {
    int line_number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      ++line_number;
      if (end == text.size() && line.empty()) break;
      auto fail = [&](const std::string& what) {
        return Error::BadInput(file + ":" + std::to_string(line_number) + ": " + what);
      };
      if (line.find('\0') != std::string_view::npos || line.find('\r') != std::string_view::npos) {
        return fail("control characters in the line");
      }
      if (std::size_t hash = line.find('#'); hash != std::string_view::npos) {
        line = line.substr(0, hash);
      }
      std::vector<std::string> fields = Fields(line);
      if (fields.empty()) continue;
      if (fields[0] == "!include") {
        if (fields.size() != 2) return fail("!include takes exactly one file");
        if (depth >= kMaxIncludeDepth) return fail("!include nested more than 8 deep");
        fs::path included =
            fs::path(fields[1]).is_absolute() ? fs::path(fields[1]) : dir / fields[1];
        Status loaded = ParseFile(included, depth + 1);
        if (!loaded.ok()) return fail("in !include " + fields[1] + ": " + loaded.error().message());
        continue;
      }
      if (fields[0].front() == '!') return fail("unknown directive " + fields[0]);
      if (fields.size() < 5 || fields.size() > 6) {
        return fail("expected SERVICE ARGUMENT SOURCE TARGET ACTION [target=NAME], got " +
                    std::to_string(fields.size()) + " fields");
      }
      PolicyRule rule{.service = fields[0],
                      .argument = fields[1],
                      .source = fields[2],
                      .target = fields[3],
                      .file = file,
                      .line = line_number};
      if (rule.service != "*" && !IsServiceName(rule.service)) {
        return fail("bad service '" + rule.service +
                    "': use * or a service name (1-64 of A-Z a-z 0-9 . _ -)");
      }
      if (!IsArgumentPattern(rule.argument)) {
        return fail("bad argument '" + rule.argument +
                    "': use *, + or +ARG (ARG: 0-255 of A-Z a-z 0-9 . _ - : / +)");
      }
      if (!IsIdentityPattern(rule.source)) {
        return fail("bad source '" + rule.source + "': use @any, @tag:TAG or a role name (" +
                    kRoleNames + ")");
      }
      if (!IsIdentityPattern(rule.target)) {
        return fail("bad target '" + rule.target + "': use @any, @tag:TAG or a role name (" +
                    kRoleNames + ")");
      }
      if (fields[4] == "allow") {
        rule.allow = true;
      } else if (fields[4] != "deny") {
        return fail("unknown action '" + fields[4] + "': use allow or deny");
      }
      if (fields.size() == 6) {
        if (!rule.allow || !fields[5].starts_with("target=")) {
          return fail("unknown option '" + fields[5] + "' (only allow takes target=NAME)");
        }
        if (!IsRoleName(std::string_view(fields[5]).substr(7))) {
          return fail("bad redirect '" + fields[5] + "': NAME must be a role name (" + kRoleNames +
                      ")");
        }
        rule.redirect_target = fields[5].substr(7);
      }
      if (rules_.size() >= kMaxRules) return fail("more than 100000 rules");
      rules_.push_back(std::move(rule));
    }
    return OkStatus();
  }

  Status ParseFile(const fs::path& path, int depth) {
    std::error_code ec;
    fs::path key = fs::weakly_canonical(path, ec);  // the error_code form never throws
    if (ec) key = path.lexically_normal();
    if (!open_files_.insert(key.string()).second) {
      return Error::BadInput(path.string() + " includes itself");
    }
    if (++files_read_ > kMaxPolicyFilesRead) {
      return Error::BadInput("the policy reads more than " + std::to_string(kMaxPolicyFilesRead) +
                             " files, counting each !include every time it is read; include "
                             "less often");
    }
    auto text = ReadFile(path, kMaxPolicyFile);
    if (!text.ok()) return text.error();
    bytes_read_ += text->size();
    if (bytes_read_ > kMaxPolicyBytesRead) {
      return Error::BadInput(
          "the policy reads more than 8 MiB in all, counting each !include "
          "every time it is read");
    }
    Status parsed = ParseText(AsText(*text), path.string(), path.parent_path(), depth);
    open_files_.erase(key.string());
    return parsed;
  }

  std::vector<PolicyRule> Take() { return std::move(rules_); }

 private:
  std::vector<PolicyRule> rules_;
  std::set<std::string> open_files_;
  std::size_t files_read_ = 0;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace

std::string PolicyDecision::Explain() const {
  std::string verdict = allow ? "allow" : "deny";
  if (rule == nullptr) return verdict + " (no rule matched: default deny)";
  std::string by = verdict + " by " + rule->file + ":" + std::to_string(rule->line);
  if (redirected) return "deny: " + by + " sends the call to " + target;
  return by;
}

Result<Policy> Policy::Parse(std::string_view text, const std::string& file) {
  try {
    return ParseUnchecked(text, file);
  } catch (const std::exception& e) {  // std::filesystem on odd include paths
    return Error::BadInput(file + ": cannot read the policy: " + e.what());
  }
}

Result<Policy> Policy::ParseUnchecked(std::string_view text, const std::string& file) {
  Parser parser;
  VIGIL_RETURN_IF_ERROR(parser.ParseText(text, file, fs::path("."), 0));
  Policy policy;
  policy.rules_ = parser.Take();
  return policy;
}

Result<Policy> Policy::Load(const fs::path& dir) {
  try {
    return LoadUnchecked(dir);
  } catch (const std::exception& e) {
    return Error::BadInput(dir.string() + ": cannot read the policy: " + e.what());
  }
}

Result<Policy> Policy::LoadUnchecked(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::BadInput(dir.string() + " is not a policy directory");
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".policy") files.push_back(entry.path());
  }
  if (ec) return Error::BadInput("cannot read " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());  // lexical order, byte-wise
  Parser parser;
  for (const auto& file : files) VIGIL_RETURN_IF_ERROR(parser.ParseFile(file, 0));
  Policy policy;
  policy.rules_ = parser.Take();
  return policy;
}

PolicyDecision Policy::Evaluate(const std::string& service, const std::string& argument,
                                const CallIdentity& source, const CallIdentity& target) const {
  for (const PolicyRule& rule : rules_) {
    if ((rule.service == "*" || rule.service == service) &&
        MatchesArgument(rule.argument, argument) && MatchesIdentity(rule.source, source) &&
        MatchesIdentity(rule.target, target)) {
      std::string to = rule.redirect_target.value_or(target.name);
      const bool redirected = rule.allow && to != target.name;
      return {
          .allow = rule.allow, .rule = &rule, .target = std::move(to), .redirected = redirected};
    }
  }
  return {.allow = false, .rule = nullptr, .target = target.name};
}

Status CheckPossibleCall(const std::string& service, const std::string& argument,
                         const CallIdentity& source, const CallIdentity& target) {
  if (!IsServiceName(service)) {
    return Error::BadInput("--service '" + service + "' is not a service name (like vigil.Echo)");
  }
  if (!argument.empty() && !IsCallArgument(argument)) {
    return Error::BadInput("--argument '" + argument + "' is not a call argument");
  }
  for (const auto& [option, identity] : {std::pair{"--source", &source}, {"--target", &target}}) {
    if (!IsRoleName(identity->name)) {
      return Error::BadInput(std::string(option) + " '" + identity->name +
                             "' is not a role name (1-63 of a-z 0-9 . -; @any and @tag: belong "
                             "in rules, a call comes from one named role)");
    }
  }
  for (const CallIdentity* identity : {&source, &target}) {
    for (const std::string& tag : identity->tags) {
      if (!IsRoleName(tag)) return Error::BadInput("tag '" + tag + "' is not a valid tag");
    }
  }
  return OkStatus();
}

}  // namespace vigil::rpc
