#include <iostream>

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

Status Init(const CaArgs& args) {
  VIGIL_RETURN_IF_ERROR(rpc::InitCa(args.dir, args.days));
  if (args.json) {
    PrintJson({{"certificate", (std::filesystem::path(args.dir) / "ca.crt").string()},
               {"key", (std::filesystem::path(args.dir) / "ca.key").string()},
               {"days", args.days}});
    return OkStatus();
  }
  std::cout << "created the deployment CA in " << args.dir << " (ca.crt; ca.key is 0600)\n";
  return OkStatus();
}

Status Issue(const CaArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto files,
                         rpc::IssueCertificate(args.dir, args.name, args.tags, args.days));
  if (args.json) {
    PrintJson({{"name", args.name},
               {"tags", args.tags},
               {"certificate", files.certificate.string()},
               {"key", files.key.string()},
               {"days", args.days}});
    return OkStatus();
  }
  std::cout << "issued " << files.certificate.string() << " and " << files.key.string()
            << " (0600) for " << args.name << "\n";
  return OkStatus();
}

}  // namespace

void AddCaCommands(CLI::App& app, int* exit_code) {
  CLI::App* ca = app.add_subcommand("ca", "The deployment CA that identifies every role");
  ca->require_subcommand(1);

  auto [i, init] =
      AddCommand<CaArgs>(*ca, "init", "Create a deployment CA in a new directory", exit_code, Init);
  init->days = 3650;
  i->add_option("DIR", init->dir, "New directory for ca.crt and ca.key")->required();
  i->add_option("--days", init->days, "Validity in days")->capture_default_str();
  i->add_flag("--json", init->json, "Print what was created as JSON");

  auto [s, issue] =
      AddCommand<CaArgs>(*ca, "issue", "Issue a certificate and key for a role", exit_code, Issue);
  issue->days = 365;
  s->add_option("DIR", issue->dir, "The CA directory (made by `vigil ca init`)")->required();
  s->add_option("NAME", issue->name, "The role's name (the certificate's CN)")->required();
  s->add_option("--tag", issue->tags, "A tag for policies' @tag:T (repeatable)");
  s->add_option("--days", issue->days, "Validity in days (never past the CA's own expiry)")
      ->capture_default_str();
  s->add_flag("--json", issue->json, "Print what was issued as JSON");
}

}  // namespace vigil::cli
