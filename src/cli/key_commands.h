// `vigil key generate | public` and `vigil p256 sign | verify | encrypt | decrypt`:
// QuorumOS-compatible P-256 key pairs, signatures and envelopes.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddKeyCommands(CLI::App& app, int* exit_code);
void AddP256Commands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
