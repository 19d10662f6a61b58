// `vigil log verify --ledger URL --trusted FILE [--proof FILE]`: checks a ledger over its
// HTTP read API the way an independent auditor would.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddLogVerifyCommand(CLI::App& log, int* exit_code);

}  // namespace vigil::cli
