// Reading a log that someone else serves as C2SP tlog-tiles (a ledger's HTTP read API, a
// mirror) the way an independent auditor would: its checkpoint verified with the log's key,
// and entries proved to be in that checkpoint's tree from the served hash tiles. Nothing
// served is trusted; `fetch` does the transport and its errors are passed through.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/tile_reader.h"

namespace vigil::tlog {

// The log's latest checkpoint (path "checkpoint"), verified with `verifier` for `origin`;
// `note` receives the signed note text when given.
Result<Checkpoint> FetchCheckpoint(const TileFetcher& fetch, const NoteVerifier& verifier,
                                   const std::string& origin, std::string* note = nullptr);

// Entry `index` of the tree `checkpoint`, read from its entry bundle and proved to be in
// that tree with an inclusion proof computed from the served hash tiles. Failed if the
// index is beyond the tree or anything served does not lead to the checkpoint's root.
Result<Bytes> FetchProvenEntry(const TileFetcher& fetch, std::uint64_t index,
                               const Checkpoint& checkpoint);

}  // namespace vigil::tlog
