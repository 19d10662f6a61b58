// A log kept in PostgreSQL, for ledgers on several hosts that share one database: its tiles
// and bundles (`log_tiles`, by C2SP tlog-tiles path), its signed checkpoint (`log_checkpoint`,
// one row: the commit point) and its index (`log_entries`, UNIQUE on the entry's index) in
// tables, one log per database. A batch commits in ONE transaction: the sequencer lease's
// epoch check (pg/lease.h) under the lease row's lock, the checkpoint row moving from the
// batch's old size to its new one, the tiles and the index rows. So a fenced sequencer
// commits nothing, no index is ever numbered twice, and nothing lies beyond the checkpoint.
// The log's key stays a file (log.key, log.vkey) on each ledger host; LogStore signs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "pg/connection.h"
#include "tlog/store.h"

namespace vigil::pg {

// Creates the log's tables (and the lease's) in the database `session.url`, which must hold
// no log yet, a new key for `origin` in `key_dir` (log.key, log.vkey; the directory must
// not exist or be empty) and the signed checkpoint of the empty tree. On failure, nothing
// is left behind in either place.
Status InitLog(const SessionSettings& session, const std::filesystem::path& key_dir,
               const std::string& origin);

// InitLog for a key that exists already: `key_dir` holds log.key and log.vkey (a log
// moved here from elsewhere, `vigil log migrate`). Creates the tables and the empty tree's
// checkpoint signed with that key; refuses a database that holds a log.
Status InitLogWithKey(const SessionSettings& session, const std::filesystem::path& key_dir);

// Drops the log's tables (and the lease's when `lease_too`): what a failed migration into
// an empty database leaves behind.
Status DropLog(const SessionSettings& session, bool lease_too);

// Whether the database holds a log (InitLog made its tables and checkpoint).
Result<bool> HoldsLog(const SessionSettings& session);

// The parts of the log in the database, for tlog::LogStore::OpenBackend. Its commits are
// fenced by `epoch`, the sequencer lease this ledger holds (AcquireLease); epoch 0 (no
// lease) opens it for reading only: every commit is refused.
Result<tlog::LogStore::Backend> OpenLogBackend(const SessionSettings& session,
                                               const std::filesystem::path& key_dir,
                                               std::int64_t epoch);

}  // namespace vigil::pg
