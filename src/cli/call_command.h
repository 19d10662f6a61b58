// `vigil call ADDRESS SERVICE[+ARG]`: stdin and stdout connected to a service call.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddCallCommand(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
