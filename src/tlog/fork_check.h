// The fork check: whether a log's newer checkpoint extends an older one an auditor already
// trusts, from the tiles the log serves. Two checkpoints that pass their signature check
// but fail this one are proof that the log showed different histories (a fork) or lost
// entries (a rollback).
#pragma once

#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/tile_reader.h"

namespace vigil::tlog {

// OkStatus when the tree of `newer` extends the tree of `older` (equal trees included, and
// anything extends the empty tree); Failed naming the fork or the shrinking otherwise.
// Errors of `fetch` are passed through. Both checkpoints must already be verified.
Status CheckExtends(const TileFetcher& fetch, const Checkpoint& older, const Checkpoint& newer);

}  // namespace vigil::tlog
