// qrexec-style call policy: which caller may call which service with which argument.
// Syntax (one rule per line, '#' comments):
//   SERVICE ARGUMENT SOURCE TARGET ACTION [target=NAME]
// SERVICE: a service name or '*'. ARGUMENT: '*' (any), '+' (empty) or '+ARG' (exactly
// ARG). SOURCE and TARGET: a role name, '@any' or '@tag:T'. ACTION: allow or deny. Names,
// arguments and tags follow the grammars of requests and certificates (IsServiceName,
// IsCallArgument, IsRoleName): a rule that could never match is a syntax error.
// '!include FILE' reads FILE (relative to the including file) in place. Files are the
// DIR/*.policy files in lexical order; the first matching rule decides; no match denies.
// Spec: docs/SPEC-policy.md.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil::rpc {

struct PolicyRule {
  std::string service;   // "*" or a service name
  std::string argument;  // "*", "+" or "+ARG"
  std::string source;    // role name, "@any" or "@tag:T"
  std::string target;    // role name, "@any" or "@tag:T"
  bool allow = false;
  std::optional<std::string> redirect_target;  // allow ... target=NAME
  std::string file;                            // where the rule is, for audit lines
  int line = 0;
};

struct CallIdentity {
  std::string name;
  std::vector<std::string> tags;
};

struct PolicyDecision {
  bool allow = false;
  const PolicyRule* rule = nullptr;  // null: no rule matched (default deny)
  std::string target;                // the target after a redirect
  bool redirected = false;           // an allow rule sends the call to another target
  // What a host does: serve the call only when allowed and meant for itself (a redirected
  // call is refused). `vigil policy eval` answers with this, so it never contradicts a host.
  bool AllowedHere() const { return allow && !redirected; }
  // "allow by /etc/vigil/policy/10-ledger.policy:3", "deny (no rule matched)", or for a
  // redirect "deny: allow by FILE:LINE sends the call to NAME".
  std::string Explain() const;
};

// Whether a call is one a host could receive, before a policy is asked about it: a service
// name, an argument as requests carry it, names and tags as certificates carry them.
// BadInput otherwise (a mistake, not a decision), naming the part as `vigil policy eval`'s
// options do (--service, --argument, --source, --target).
Status CheckPossibleCall(const std::string& service, const std::string& argument,
                         const CallIdentity& source, const CallIdentity& target);

class Policy {
 public:
  // Loads DIR/*.policy in lexical order. Any syntax error fails the load with
  // "FILE:LINE: what is wrong" (kBadInput); callers then deny every call.
  static Result<Policy> Load(const std::filesystem::path& dir);
  // Parses one policy text (for tests); `file` names it in messages.
  static Result<Policy> Parse(std::string_view text, const std::string& file);

  PolicyDecision Evaluate(const std::string& service, const std::string& argument,
                          const CallIdentity& source, const CallIdentity& target) const;

  const std::vector<PolicyRule>& rules() const { return rules_; }

 private:
  // The same, letting std::filesystem exceptions out (the public forms catch them).
  static Result<Policy> LoadUnchecked(const std::filesystem::path& dir);
  static Result<Policy> ParseUnchecked(std::string_view text, const std::string& file);

  std::vector<PolicyRule> rules_;
};

}  // namespace vigil::rpc
