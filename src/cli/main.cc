// The `vigil` command line.
#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include "cli/commands.h"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  // A file-size limit (ulimit -f) must fail a write with EFBIG, so the command's own cleanup
  // runs, rather than kill it mid-write and leave partial output behind.
  std::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"Vigil: reproducible trusted images, an accountable build farm, quorum boot"};
  app.set_version_flag("--version", "vigil " VIGIL_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  vigil::cli::AddImageCommands(app, &exit_code);
  vigil::cli::AddKernelCommands(app, &exit_code);
  vigil::cli::AddReproduceCommand(app, &exit_code);
  vigil::cli::AddKeyCommands(app, &exit_code);
  vigil::cli::AddP256Commands(app, &exit_code);
  vigil::cli::AddQuorumCommands(app, &exit_code);
  vigil::cli::AddReleaseCommands(app, &exit_code);
  vigil::cli::AddRepoCommands(app, &exit_code);
  vigil::cli::AddCommandCommands(app, &exit_code);
  vigil::cli::AddShamirCommands(app, &exit_code);
  vigil::cli::AddPolicyCommands(app, &exit_code);
  vigil::cli::AddCaCommands(app, &exit_code);
  vigil::cli::AddCallCommand(app, &exit_code);
  vigil::cli::AddLogCommands(app, &exit_code);
  vigil::cli::AddVerifyArtifactCommand(app, &exit_code);
  vigil::cli::AddFarmCommands(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    // Help and version are successes; every other parse problem is bad usage.
    return code == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    // Modules return errors as values; anything thrown is a bug or resource exhaustion.
    std::cerr << "vigil: internal error: " << e.what() << "\n";
    return 1;
  }
  return exit_code;
}
