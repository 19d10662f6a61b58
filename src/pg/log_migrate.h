// Moving a log between its two homes: a directory (tile files, SQLite index, its key inside)
// and a PostgreSQL database (its key in a directory of its own). The copy is proven: the
// root is recomputed from the copied entries, read back from the destination, and must be
// the root of the source's signed checkpoint (verified with the log's key). A failed copy
// leaves nothing behind: no directory, no tables, no key files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "base/result.h"
#include "tlog/hash.h"
#include "tlog/store.h"

namespace vigil::pg {

struct LogLocation {
  // A log directory, or a database URL (postgresql://...).
  std::string where;
  // For a database: the directory holding (or to hold) log.key and log.vkey.
  std::filesystem::path key_dir;
  bool database() const;
};

struct MigrateReport {
  std::string origin;
  std::uint64_t size = 0;
  tlog::Hash root{};  // of the source's checkpoint, and recomputed from the copy
};

// Copies the log at `from` (read at its current checkpoint; a running ledger may go on
// appending) to `to`, which must not hold a log: a directory that does not exist, or a
// database without the log's tables and a key directory that does not exist or is empty.
// `classifier` labels the copied entries in the destination's index (the ledger's
// LabelEntry); `progress` (may be empty) gets the entries copied so far.
Result<MigrateReport> MigrateLog(const LogLocation& from, const LogLocation& to,
                                 const tlog::EntryClassifier& classifier,
                                 const std::function<void(std::uint64_t)>& progress = {});

}  // namespace vigil::pg
