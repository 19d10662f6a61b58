#include <iostream>
#include <memory>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "rpc/ca.h"

namespace vigil::cli {
namespace {

struct CaArgs {
  std::string dir;
  std::string name;
  std::vector<std::string> tags;
  int days = 0;
  bool json = false;
};

int Init(const CaArgs& args) {
  Status made = rpc::InitCa(args.dir, args.days);
  if (!made.ok()) return ReportError(made.error());
  if (args.json) {
    PrintJson({{"certificate", (std::filesystem::path(args.dir) / "ca.crt").string()},
               {"key", (std::filesystem::path(args.dir) / "ca.key").string()},
               {"days", args.days}});
    return 0;
  }
  std::cout << "created the deployment CA in " << args.dir << " (ca.crt; ca.key is 0600)\n";
  return 0;
}

int Issue(const CaArgs& args) {
  auto files = rpc::IssueCertificate(args.dir, args.name, args.tags, args.days);
  if (!files.ok()) return ReportError(files.error());
  if (args.json) {
    PrintJson({{"name", args.name},
               {"tags", args.tags},
               {"certificate", files->certificate.string()},
               {"key", files->key.string()},
               {"days", args.days}});
    return 0;
  }
  std::cout << "issued " << files->certificate.string() << " and " << files->key.string()
            << " (0600) for " << args.name << "\n";
  return 0;
}

}  // namespace

void AddCaCommands(CLI::App& app, int* exit_code) {
  CLI::App* ca = app.add_subcommand("ca", "The deployment CA that identifies every role");
  ca->require_subcommand(1);

  auto init = std::make_shared<CaArgs>();
  init->days = 3650;
  CLI::App* i = ca->add_subcommand("init", "Create a deployment CA in a new directory");
  i->add_option("DIR", init->dir, "New directory for ca.crt and ca.key")->required();
  i->add_option("--days", init->days, "Validity in days")->capture_default_str();
  i->add_flag("--json", init->json, "Print what was created as JSON");
  i->callback([init, exit_code] { *exit_code = Init(*init); });

  auto issue = std::make_shared<CaArgs>();
  issue->days = 365;
  CLI::App* s = ca->add_subcommand("issue", "Issue a certificate and key for a role");
  s->add_option("DIR", issue->dir, "The CA directory (made by `vigil ca init`)")->required();
  s->add_option("NAME", issue->name, "The role's name (the certificate's CN)")->required();
  s->add_option("--tag", issue->tags, "A tag for policies' @tag:T (repeatable)");
  s->add_option("--days", issue->days, "Validity in days (never past the CA's own expiry)")
      ->capture_default_str();
  s->add_flag("--json", issue->json, "Print what was issued as JSON");
  s->callback([issue, exit_code] { *exit_code = Issue(*issue); });
}

}  // namespace vigil::cli
