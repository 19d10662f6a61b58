// The SQLite index beside a log: every entry's leaf hash and optional (kind, key) label,
// so the ledger finds a build's entry without scanning. Derived data: the store rebuilds
// whatever the index misses from the tiles.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "tlog/hash.h"

namespace vigil {
class SqliteDb;  // base/sqlite.h: SQLite's types stay in the .cc
}  // namespace vigil

namespace vigil::tlog {

struct IndexedEntry {
  std::uint64_t index;
  Hash leaf_hash;
  std::optional<std::string> kind;
  std::optional<std::string> key;
};

class EntryIndex {
 public:
  static Result<std::unique_ptr<EntryIndex>> Open(const std::filesystem::path& file);

  // How many entries (indexes 0..n-1) are indexed.
  Result<std::uint64_t> IndexedSize();
  // Adds entries starting at IndexedSize() in one transaction; entries at or beyond
  // `first` that are already there (from an interrupted batch) are replaced.
  Status Add(std::uint64_t first, const std::vector<IndexedEntry>& entries);
  // Drops entries at or beyond `size` (leftovers of a batch that never committed).
  Status Truncate(std::uint64_t size);

  Result<std::optional<std::uint64_t>> FindByLeafHash(const Hash& leaf_hash);
  Result<std::vector<std::uint64_t>> FindByLabel(const std::string& kind, const std::string& key);
  Result<std::vector<std::uint64_t>> ListKind(const std::string& kind, std::size_t limit);

  ~EntryIndex();

 private:
  explicit EntryIndex(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace vigil::tlog
