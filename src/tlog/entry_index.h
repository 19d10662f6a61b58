// The SQLite index beside a log directory (a LogIndex): every entry's leaf hash and optional (kind,
// key) label, so the ledger finds a build's entry without scanning. Derived data: the store
// rebuilds whatever the index misses from the tiles.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "tlog/hash.h"
#include "tlog/log_index.h"

namespace vigil {
class SqliteDb;  // base/sqlite.h: SQLite's types stay in the .cc
}  // namespace vigil

namespace vigil::tlog {

class EntryIndex : public LogIndex {
 public:
  static Result<std::unique_ptr<EntryIndex>> Open(const std::filesystem::path& file);

  Result<std::uint64_t> IndexedSize() override;
  Status Add(std::uint64_t first, const std::vector<IndexedEntry>& entries) override;
  Status Truncate(std::uint64_t size) override;

  Result<std::optional<std::uint64_t>> FindByLeafHash(const Hash& leaf_hash) override;
  Result<std::vector<std::uint64_t>> FindByLabel(const std::string& kind,
                                                 const std::string& key) override;
  Result<std::vector<std::uint64_t>> ListKind(const std::string& kind, std::size_t limit) override;

  ~EntryIndex() override;

 private:
  explicit EntryIndex(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace vigil::tlog
