// `vigil shamir split | reconstruct`: QuorumOS-compatible Shamir shares as hex files.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddShamirCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
