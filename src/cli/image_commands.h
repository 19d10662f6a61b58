// `vigil image build | describe | run`.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Adds the `image` command and its subcommands to `app`. Each subcommand stores its exit
// code in `*exit_code` when it runs.
void AddImageCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
