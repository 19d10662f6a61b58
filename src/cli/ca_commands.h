// `vigil ca init | issue`: the deployment CA and the roles' certificates.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddCaCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
