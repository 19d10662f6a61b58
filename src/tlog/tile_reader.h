// Merkle hashes read from someone else's tiles (a ledger's HTTP API or a mirror): what an
// auditor needs to compute consistency and inclusion proofs between two checkpoints it
// has verified. The tiles are untrusted; a proof built from bad tiles fails verification.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/prove.h"

namespace vigil::tlog {

// Fetches a tile path such as "tile/0/x001/234.p/7"; Failed when it does not exist.
using TileFetcher = std::function<Result<Bytes>(const std::string& path)>;

// A HashReader over the tiles of the tree of `size`. A partial tile that is gone is read
// from its full tile instead, as C2SP tlog-tiles allows. Tiles are cached per reader.
HashReader MakeTileHashReader(std::uint64_t size, TileFetcher fetch);

}  // namespace vigil::tlog
