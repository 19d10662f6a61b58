// `vigil log init | vkey | add | checkpoint | prove | consistency | verify`: the offline
// commands over a log directory, and verification of a running ledger.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddLogCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
