// `vigil policy check | eval`: qrexec-style call policies.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddPolicyCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
