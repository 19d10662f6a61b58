// `vigil log init | vkey | add | checkpoint | prove | consistency | fsck | verify`: the
// offline commands over a log directory (those that only read also work on a read-only
// mirror holding tile/, checkpoint and log.vkey), and verification of a running ledger.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddLogCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
