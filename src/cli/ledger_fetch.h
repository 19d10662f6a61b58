// The ledger's HTTP read API (C2SP tlog-tiles and /builds/...) as a fetch callback for
// tlog's tile client and provenance's ledger check, and the options that name it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/result.h"
#include "tlog/tile_reader.h"

namespace vigil::cli {

// --ledger URL and --timeout SECONDS of the commands that read a ledger.
struct LedgerOptions {
  std::string url;
  double timeout = 60;
  std::string witness_policy;  // a C2SP tlog-policy file the checkpoint must meet
};

// Adds --ledger, --timeout (0.1 to 3600 seconds) and --witness-policy to `command`; returns
// --ledger, which the caller may make required.
CLI::Option* AddLedgerOptions(CLI::App& command, LedgerOptions& ledger);

// GETs URL/PATH. `url` is http://HOST[:PORT][/] (no path, query or credentials); BadInput
// (about --ledger) otherwise. Each fetch must finish within the timeout (connect, request
// and the whole answer) and stay within the size of a full entry bundle. A fetch fails with
// MissingEnv when the ledger cannot be reached or does not answer in time, Failed for an
// HTTP error or a broken answer. With a witness policy, the checkpoint fetched must meet it
// (Failed "witness policy not met" otherwise), so a verifier sees no history that the
// witnesses did not cosign; BadInput for a policy file that does not parse.
Result<tlog::TileFetcher> LedgerFetcher(const LedgerOptions& ledger);

}  // namespace vigil::cli
