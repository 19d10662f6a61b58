// `vigil release sign | verify`: maintainers' detached OpenPGP signatures over a release's
// SHA256SUMS, and M-of-N verification against a pinned keyring.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddReleaseCommands(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
