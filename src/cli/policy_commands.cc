#include <iostream>
#include <memory>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "rpc/ca.h"
#include "rpc/call_request.h"
#include "rpc/policy.h"

namespace vigil::cli {
namespace {

struct EvalArgs {
  std::string dir;
  std::string service;
  std::string argument;
  std::string source;
  std::vector<std::string> source_tags;
  std::string target;
  std::vector<std::string> target_tags;
  bool json = false;
};

struct CheckArgs {
  std::string dir;
  bool json = false;
};

int Check(const CheckArgs& args) {
  auto policy = rpc::Policy::Load(args.dir);
  if (args.json) {
    Json out{{"valid", policy.ok()}};
    if (policy.ok()) {
      out["rules"] = policy->rules().size();
    } else {
      out["error"] = policy.error().message();
    }
    PrintJson(out);
  }
  if (!policy.ok()) {
    std::cerr << "vigil: policy invalid, every call would be denied: " << policy.error().message()
              << "\n";
    return policy.error().exit_code();
  }
  if (!args.json) std::cout << "OK: " << policy->rules().size() << " rules\n";
  return 0;
}

// The call must be one a host could receive: names and tags as certificates carry them, a
// service and argument as requests do. Anything else is bad input, not a decision.
Status CheckCall(const EvalArgs& args) {
  if (!rpc::IsServiceName(args.service)) {
    return Error::BadInput("--service '" + args.service +
                           "' is not a service name (like vigil.Echo)");
  }
  if (!args.argument.empty() && !rpc::IsCallArgument(args.argument)) {
    return Error::BadInput("--argument '" + args.argument + "' is not a call argument");
  }
  for (const auto& [option, name] :
       {std::pair{"--source", &args.source}, {"--target", &args.target}}) {
    if (!rpc::IsRoleName(*name)) {
      return Error::BadInput(std::string(option) + " '" + *name +
                             "' is not a role name (1-63 of a-z 0-9 . -; @any and @tag: belong "
                             "in rules, a call comes from one named role)");
    }
  }
  for (const auto* tags : {&args.source_tags, &args.target_tags}) {
    for (const std::string& tag : *tags) {
      if (!rpc::IsRoleName(tag)) return Error::BadInput("tag '" + tag + "' is not a valid tag");
    }
  }
  return OkStatus();
}

int Eval(const EvalArgs& args) {
  if (Status valid = CheckCall(args); !valid.ok()) return ReportError(valid.error());
  auto policy = rpc::Policy::Load(args.dir);
  if (!policy.ok()) return ReportError(policy.error().WithContext("policy invalid"));
  rpc::PolicyDecision decision =
      policy->Evaluate(args.service, args.argument, {args.source, args.source_tags},
                       {args.target, args.target_tags});
  if (args.json) {
    Json out{{"allow", decision.AllowedHere()}, {"target", decision.target}};
    if (decision.redirected) out["redirected"] = true;
    if (decision.rule != nullptr) {
      out["rule"] = {{"file", decision.rule->file}, {"line", decision.rule->line}};
    }
    PrintJson(out);
  } else {
    std::cout << decision.Explain() << "\n";
  }
  return decision.AllowedHere() ? 0 : 1;
}

}  // namespace

void AddPolicyCommands(CLI::App& app, int* exit_code) {
  CLI::App* policy = app.add_subcommand("policy", "qrexec-style call policies (DIR/*.policy)");
  policy->require_subcommand(1);

  auto check = std::make_shared<CheckArgs>();
  CLI::App* c = policy->add_subcommand("check", "Check a policy directory: OK or exit 2");
  c->add_option("DIR", check->dir, "The policy directory")->required();
  c->add_flag("--json", check->json, "Print {valid, rules | error} as JSON");
  c->callback([check, exit_code] { *exit_code = Check(*check); });

  auto args = std::make_shared<EvalArgs>();
  CLI::App* e = policy->add_subcommand(
      "eval", "Decide one call: prints the decision and the rule; exit 0 allow, 1 deny");
  e->add_option("DIR", args->dir, "The policy directory")->required();
  e->add_option("--service", args->service, "The service called")->required();
  e->add_option("--argument", args->argument, "The call's argument (default: empty)");
  e->add_option("--source", args->source, "The caller's name")->required();
  e->add_option("--source-tag", args->source_tags, "A tag of the caller (repeatable)");
  e->add_option("--target", args->target, "The callee's name")->required();
  e->add_option("--target-tag", args->target_tags, "A tag of the callee (repeatable)");
  e->add_flag("--json", args->json, "Print the decision as JSON");
  e->callback([args, exit_code] { *exit_code = Eval(*args); });
}

}  // namespace vigil::cli
