#include <iostream>
#include <optional>

#include "base/file.h"
#include "builder/build_answer.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "farm/build_call.h"
#include "farm/create.h"
#include "farm/host_layout.h"
#include "farm/hosts.h"
#include "farm/layout.h"
#include "farm/supervisor.h"

namespace vigil::cli {
namespace {

using farm::FarmLayout;

std::string DefaultFarmDir() { return ".vigil-farm"; }

Status Up(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  VIGIL_ASSIGN_OR_RETURN(fs::path bin, ExecutableDir());
  VIGIL_ASSIGN_OR_RETURN(const bool created, farm::PrepareFarm(farm, bin));
  if (created) std::cout << "farm: created " << farm.dir.string() << "\n";
  for (const std::string role : farm::kRoles) {
    if (const auto pid = farm::RunningPid(farm, role)) {
      std::cout << "farm: " << role << " is running (pid " << *pid << ")\n";
      continue;
    }
    VIGIL_RETURN_IF_ERROR(farm::StartRole(farm, bin, role));
    std::cout << "farm: started " << role << "\n";
  }
  std::cout << "farm: the ledger's web page is " << farm::LedgerUrl(farm).value_or("unknown")
            << "\n";
  std::cout << "farm: the gateway is " << farm::GatewayUrl(farm).value_or("unknown")
            << " (webhooks at /hooks/github, commands at /commands)\n";
  std::cout << "farm: components go in " << farm.builder_config().string()
            << "; build one with `vigil build NAME --farm " << dir << "`\n";
  return OkStatus();
}

Result<int> Status_(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return Error::BadInput(dir + " is not a farm: run `vigil farm up " + dir + "`");
  }
  bool all = true;
  for (const std::string role : farm::kRoles) {
    const auto pid = farm::RunningPid(farm, role);
    all = all && pid.has_value();
    std::cout << role << ": " << (pid ? "running (pid " + std::to_string(*pid) + ")" : "stopped")
              << "\n";
  }
  const auto url = farm::LedgerUrl(farm);
  if (all && url) std::cout << "ledger web page: " << *url << "\n";
  return all ? 0 : 1;
}

Status Down(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return Error::BadInput(dir + " is not a farm (no builder.toml there)");
  }
  for (const std::string role : {"builder", "gateway", "signer", "ledger"}) {
    if (farm::StopRole(farm, role)) std::cout << "farm: stopped " << role << "\n";
  }
  return OkStatus();
}

struct HostsArgs {
  std::string hosts_file;
  std::string out;
};

// A multi-host deployment: one directory per host, each to copy to its host.
Status Hosts(const HostsArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(farm::HostsPlan plan, farm::ReadHostsPlan(args.hosts_file));
  VIGIL_RETURN_IF_ERROR(farm::WriteHostLayout(plan, args.out));
  for (const farm::HostSpec& host : plan.hosts) {
    std::string roles;
    for (const std::string& role : host.roles) roles += (roles.empty() ? "" : ", ") + role;
    std::cout << "farm: " << (fs::path(args.out) / host.name).string() << ": " << roles << " at "
              << host.address << "\n";
  }
  std::cout << "farm: the CA is in " << (fs::path(args.out) / "ca").string()
            << " (move ca.key offline); copy each host its directory and run what its README "
               "says\n";
  return OkStatus();
}

struct BuildArgs {
  std::string component;
  std::string commit;
  std::string farm = DefaultFarmDir();
  bool json = false;
};

// Prints the builder's answer as it arrives and keeps its result.
class AnswerPrinter {
 public:
  AnswerPrinter(const BuildArgs& args, std::string ledger_url)
      : args_(args), url_(std::move(ledger_url)) {}

  Status Print(std::string_view chunk) {
    reader_.Append(chunk);
    while (true) {
      VIGIL_ASSIGN_OR_RETURN(std::optional<builder::BuildAnswerLine> line, reader_.Next());
      if (!line) return OkStatus();
      using Kind = builder::BuildAnswerLine::Kind;
      if (line->kind == Kind::kResult) {
        result_ = std::move(line->result);
      } else if (args_.json) {
        continue;
      } else if (line->kind == Kind::kLog) {
        std::cout << line->text << "\n" << std::flush;
      } else {
        std::cout << "build " << line->text
                  << (url_.empty() ? "" : " (live: " + url_ + "/builds/" + line->text + "/live)")
                  << "\n";
      }
    }
  }
  const std::optional<builder::BuildResult>& result() const { return result_; }

 private:
  const BuildArgs& args_;
  const std::string url_;
  builder::BuildAnswerReader reader_;
  std::optional<builder::BuildResult> result_;
};

// Triggers the build and prints its log as it arrives.
Result<int> Build(const BuildArgs& args) {
  const FarmLayout farm(fs::absolute(args.farm));
  if (!fs::exists(farm.builder_config())) {
    return Error::BadInput(args.farm + " is not a farm: run `vigil farm up " + args.farm + "`");
  }
  if (!args.commit.empty() &&
      (args.commit.size() != 40 ||
       args.commit.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return Error::BadInput("--commit must be 40 lowercase hex digits");
  }
  AnswerPrinter printer(args, farm::LedgerUrl(farm).value_or(""));
  auto end = farm::TriggerBuild(
      farm, args.component,
      [&printer](std::string_view chunk) {
        Status printed = printer.Print(chunk);
        return printed.ok() ? printed : printed.error().WithContext("the builder's answer");
      },
      args.commit);
  if (!end.ok()) return end.error();
  if (end->exit_code != 0) {
    std::cerr << "vigil: build failed: " << end->message << "\n";
    return end->exit_code;
  }
  if (!printer.result()) return Error::Failed("the builder sent no result");
  const builder::BuildResult& result = *printer.result();
  if (args.json) {
    std::cout << builder::BuildResultJson(result, 2) << "\n";
    return 0;
  }
  std::cout << "built " << result.component << " " << result.version << " (commit "
            << result.commit.substr(0, 12) << "): ledger entry " << result.ledger_index
            << ", signed artifacts in " << result.published << "\n";
  return 0;
}

}  // namespace

void AddFarmCommands(CLI::App& app, int* exit_code) {
  CLI::App* farm = app.add_subcommand("farm", "Run the build farm on this machine");
  farm->require_subcommand(1);
  auto add_command = [farm, exit_code](const std::string& name, const std::string& help, auto run) {
    auto [command, dir] = AddCommand<std::string>(*farm, name, help, exit_code, run);
    *dir = DefaultFarmDir();
    command->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  };
  add_command("up",
              "Create the farm in DIR the first time (CA, keys, policies, configs), start the "
              "ledger, signer and builder, and print the ledger's web address",
              Up);
  add_command("status", "Show which roles run (exit 1 unless all)", Status_);
  add_command("down", "Stop the farm's processes", Down);

  auto [hosts, hosts_args] = AddCommand<HostsArgs>(
      *farm, "hosts",
      "Lay out a deployment on several hosts from HOSTS.toml: the CA and one directory per "
      "host (certificates, configurations with TCP addresses, call policies, a README)",
      exit_code, Hosts);
  hosts->add_option("HOSTS", hosts_args->hosts_file, "The hosts file (TOML: [[host]] tables)")
      ->required();
  hosts->add_option("--out", hosts_args->out, "The directory to create (must not exist)")
      ->required();

  auto [build, args] = AddCommand<BuildArgs>(
      app, "build",
      "Build a component on the farm, following its live log; prints its ledger entry and where "
      "the signed artifacts are",
      exit_code, Build);
  build->add_option("COMPONENT", args->component, "The component (a [components.NAME] table)")
      ->required();
  build->add_option("--farm", args->farm, "The farm's directory")->capture_default_str();
  build->add_flag("--json", args->json, "Print only the result, as JSON");
  build->add_option("--commit", args->commit,
                    "Build only if the source rule approves exactly this commit (40 hex)");
}

}  // namespace vigil::cli
