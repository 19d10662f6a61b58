// `vigil farm up|status|down [DIR]` and `vigil build COMPONENT`: the whole build farm on
// one machine, each role its own process on local sockets.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddFarmCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
