#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
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

Result<int> Eval(const EvalArgs& args) {
  const rpc::CallIdentity source{args.source, args.source_tags};
  const rpc::CallIdentity target{args.target, args.target_tags};
  VIGIL_RETURN_IF_ERROR(rpc::CheckPossibleCall(args.service, args.argument, source, target));
  auto policy = rpc::Policy::Load(args.dir);
  if (!policy.ok()) return policy.error().WithContext("policy invalid");
  rpc::PolicyDecision decision = policy->Evaluate(args.service, args.argument, source, target);
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

  auto [c, check] = AddCommand<CheckArgs>(
      *policy, "check", "Check a policy directory: OK or exit 2", exit_code, Check);
  c->add_option("DIR", check->dir, "The policy directory")->required();
  c->add_flag("--json", check->json, "Print {valid, rules | error} as JSON");

  auto [e, args] = AddCommand<EvalArgs>(
      *policy, "eval", "Decide one call: prints the decision and the rule; exit 0 allow, 1 deny",
      exit_code, Eval);
  e->add_option("DIR", args->dir, "The policy directory")->required();
  e->add_option("--service", args->service, "The service called")->required();
  e->add_option("--argument", args->argument, "The call's argument (default: empty)");
  e->add_option("--source", args->source, "The caller's name")->required();
  e->add_option("--source-tag", args->source_tags, "A tag of the caller (repeatable)");
  e->add_option("--target", args->target, "The callee's name")->required();
  e->add_option("--target-tag", args->target_tags, "A tag of the callee (repeatable)");
  e->add_flag("--json", args->json, "Print the decision as JSON");
}

}  // namespace vigil::cli
