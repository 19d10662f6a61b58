// `vigil log migrate --from DIR|URL --to DIR|URL [--key-dir DIR]`: moves a log between a
// directory and a PostgreSQL database, proving the same root.
#include "pg/log_migrate.h"

#include <iostream>

#include "base/base64.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "ledger/build_entry.h"
#include "pg/connection.h"

namespace vigil::cli {
namespace {

struct MigrateArgs {
  std::string from;
  std::string to;
  std::string from_key_dir;
  std::string to_key_dir;
  bool json = false;
};

Status Migrate(const MigrateArgs& args) {
  const pg::LogLocation from{args.from, args.from_key_dir};
  const pg::LogLocation to{args.to, args.to_key_dir};
  if (from.database() == to.database()) {
    return Error::BadInput(
        "--from and --to must be one log directory and one postgresql:// database");
  }
  std::uint64_t shown = 0;
  auto progress = [&shown](std::uint64_t entries) {
    if (entries >= shown + (1u << 16)) {
      shown = entries;
      ShowProgress("copied " + std::to_string(entries) + " entries");
    }
  };
  VIGIL_ASSIGN_OR_RETURN(pg::MigrateReport report,
                         pg::MigrateLog(from, to, ledger::LabelEntry, progress));
  const std::string shown_from = from.database() ? pg::RedactDatabaseUrl(args.from) : args.from;
  const std::string shown_to = to.database() ? pg::RedactDatabaseUrl(args.to) : args.to;
  if (args.json) {
    PrintJson({{"from", shown_from},
               {"to", shown_to},
               {"origin", report.origin},
               {"size", report.size},
               {"root", Base64Encode(report.root)}});
  } else {
    std::cout << "log " << report.origin << ": " << report.size << " entries moved from "
              << shown_from << " to " << shown_to << "; the copy's root "
              << Base64Encode(report.root) << " is the source checkpoint's\n";
  }
  return OkStatus();
}

}  // namespace

void AddLogMigrateCommand(CLI::App& log, int* exit_code) {
  auto [migrate, args] = AddCommand<MigrateArgs>(
      log, "migrate",
      "Copy a log between a directory and a PostgreSQL database (postgresql://...) and prove "
      "the copy has the source checkpoint's root; a failed copy leaves nothing behind",
      exit_code, Migrate);
  migrate->add_option("--from", args->from, "The log: a directory or a postgresql:// URL")
      ->required();
  migrate->add_option("--to", args->to, "Where it goes: a new directory or an empty database")
      ->required();
  migrate->add_option("--key-dir", args->to_key_dir,
                      "For --to a database: a new directory for the log's key (log.key, "
                      "log.vkey), copied from the source");
  migrate->add_option("--from-key-dir", args->from_key_dir,
                      "For --from a database: the directory holding the log's key");
  migrate->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
