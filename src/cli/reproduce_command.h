// `vigil reproduce DIST`: rebuild a release under varied conditions and compare.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddReproduceCommand(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
