// `vigil verify-artifact FILE --envelope ENV --key PUB [--ledger URL --ledger-key VKEY]`:
// checks a signed artifact the way its users would.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void AddVerifyArtifactCommand(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
