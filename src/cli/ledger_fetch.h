// The ledger's HTTP read API (C2SP tlog-tiles and /builds/...) as a fetch callback for
// tlog's tile client and provenance's ledger check.
#pragma once

#include <chrono>
#include <string>

#include "base/result.h"
#include "tlog/tile_reader.h"

namespace vigil::cli {

// GETs URL/PATH. `url` is http://HOST[:PORT][/] (no path, query or credentials); BadInput
// (about --ledger) otherwise. Each fetch must finish within `timeout` (connect, request and
// the whole answer) and stay within the size of a full entry bundle. A fetch fails with
// MissingEnv when the ledger cannot be reached or does not answer in time, Failed for an
// HTTP error or a broken answer.
Result<tlog::TileFetcher> LedgerFetcher(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace vigil::cli
