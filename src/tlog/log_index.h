// The lookups beside a log: every entry's leaf hash and optional (kind, key) label, so the
// ledger finds a build's entry without scanning. Derived data, behind a small interface so
// that it can live where the log lives: SQLite beside tile files (tlog/entry_index.h), a
// table beside the tiles in PostgreSQL (pg/log_storage.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

struct IndexedEntry {
  std::uint64_t index;
  Hash leaf_hash;
  std::optional<std::string> kind;
  std::optional<std::string> key;
};

class LogIndex {
 public:
  virtual ~LogIndex() = default;

  // How many entries (indexes 0..n-1) are indexed.
  virtual Result<std::uint64_t> IndexedSize() = 0;
  // Adds entries starting at IndexedSize() in one transaction; entries at or beyond
  // `first` that are already there (from an interrupted batch) are replaced.
  virtual Status Add(std::uint64_t first, const std::vector<IndexedEntry>& entries) = 0;
  // Drops entries at or beyond `size` (leftovers of a batch that never committed).
  virtual Status Truncate(std::uint64_t size) = 0;

  virtual Result<std::optional<std::uint64_t>> FindByLeafHash(const Hash& leaf_hash) = 0;
  virtual Result<std::vector<std::uint64_t>> FindByLabel(const std::string& kind,
                                                         const std::string& key) = 0;
  virtual Result<std::vector<std::uint64_t>> ListKind(const std::string& kind,
                                                      std::size_t limit) = 0;
};

}  // namespace vigil::tlog
