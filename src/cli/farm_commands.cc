#include <iostream>
#include <optional>

#include "base/file.h"
#include "builder/build_answer.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "farm/build_call.h"
#include "farm/create.h"
#include "farm/layout.h"
#include "farm/supervisor.h"

namespace vigil::cli {
namespace {

using farm::FarmLayout;

std::string DefaultFarmDir() { return ".vigil-farm"; }

// Creates the farm the first time; a directory that is not one is refused.
Status PrepareFarm(const FarmLayout& farm, const std::string& dir, const fs::path& bin) {
  if (fs::exists(farm.dir) && !fs::is_directory(farm.dir)) {
    return Error::BadInput(dir + " exists and is not a directory");
  }
  const bool first = !fs::exists(farm.builder_config());
  if (!first) VIGIL_RETURN_IF_ERROR(farm::CheckFarm(farm));
  Status created = farm::CreateFarm(farm, bin);
  if (!created.ok()) return created.error().WithContext("cannot create the farm");
  if (first) std::cout << "farm: created " << farm.dir.string() << "\n";
  return OkStatus();
}

int Up(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  auto bin = ExecutableDir();
  if (!bin.ok()) return ReportError(bin.error());
  if (Status ready = PrepareFarm(farm, dir, *bin); !ready.ok()) return ReportError(ready.error());
  for (const std::string role : farm::kRoles) {
    if (const auto pid = farm::RunningPid(farm, role)) {
      std::cout << "farm: " << role << " is running (pid " << *pid << ")\n";
      continue;
    }
    auto line = farm::StartRole(farm, *bin, role);
    if (!line.ok()) return ReportError(line.error());
    std::cout << "farm: started " << role << "\n";
  }
  std::cout << "farm: the ledger's web page is " << farm::LedgerUrl(farm).value_or("unknown")
            << "\n";
  std::cout << "farm: components go in " << farm.builder_config().string()
            << "; build one with `vigil build NAME --farm " << dir << "`\n";
  return 0;
}

int Status_(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(Error::BadInput(dir + " is not a farm: run `vigil farm up " + dir + "`"));
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

int Down(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(Error::BadInput(dir + " is not a farm (no builder.toml there)"));
  }
  for (const std::string role : {"builder", "signer", "ledger"}) {
    if (farm::StopRole(farm, role)) std::cout << "farm: stopped " << role << "\n";
  }
  return 0;
}

struct BuildArgs {
  std::string component;
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
int Build(const BuildArgs& args) {
  const FarmLayout farm(fs::absolute(args.farm));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(
        Error::BadInput(args.farm + " is not a farm: run `vigil farm up " + args.farm + "`"));
  }
  AnswerPrinter printer(args, farm::LedgerUrl(farm).value_or(""));
  auto end = farm::TriggerBuild(farm, args.component, [&printer](std::string_view chunk) {
    Status printed = printer.Print(chunk);
    return printed.ok() ? printed : printed.error().WithContext("the builder's answer");
  });
  if (!end.ok()) return ReportError(end.error());
  if (end->exit_code != 0) {
    std::cerr << "vigil: build failed: " << end->message << "\n";
    return end->exit_code;
  }
  if (!printer.result()) return ReportError(Error::Failed("the builder sent no result"));
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
  auto dir = std::make_shared<std::string>(DefaultFarmDir());
  CLI::App* up = farm->add_subcommand(
      "up",
      "Create the farm in DIR the first time (CA, keys, policies, configs), start the "
      "ledger, signer and builder, and print the ledger's web address");
  up->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  up->callback([dir, exit_code] { *exit_code = Up(*dir); });
  CLI::App* status = farm->add_subcommand("status", "Show which roles run (exit 1 unless all)");
  status->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  status->callback([dir, exit_code] { *exit_code = Status_(*dir); });
  CLI::App* down = farm->add_subcommand("down", "Stop the farm's processes");
  down->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  down->callback([dir, exit_code] { *exit_code = Down(*dir); });

  auto args = std::make_shared<BuildArgs>();
  CLI::App* build =
      app.add_subcommand("build",
                         "Build a component on the farm, following its live log; prints its ledger "
                         "entry and where the signed artifacts are");
  build->add_option("COMPONENT", args->component, "The component (a [components.NAME] table)")
      ->required();
  build->add_option("--farm", args->farm, "The farm's directory")->capture_default_str();
  build->add_flag("--json", args->json, "Print only the result, as JSON");
  build->callback([args, exit_code] { *exit_code = Build(*args); });
}

}  // namespace vigil::cli
