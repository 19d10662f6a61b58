#include "pg/log_index.h"

#include <mutex>

#include "base/hex.h"
#include "pg/session.h"

namespace vigil::pg {
namespace {

class PgLogIndex : public tlog::LogIndex {
 public:
  explicit PgLogIndex(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}

  Result<std::uint64_t> IndexedSize() override {
    VIGIL_ASSIGN_OR_RETURN(std::vector<std::uint64_t> rows,
                           Query("SELECT COALESCE(MAX(idx) + 1, 0) FROM log_entries"));
    return rows.empty() ? 0 : rows.front();
  }
  Status Add(std::uint64_t first, const std::vector<tlog::IndexedEntry>& entries) override;
  Status Truncate(std::uint64_t) override { return OkStatus(); }
  Result<std::optional<std::uint64_t>> FindByLeafHash(const tlog::Hash& leaf_hash) override;
  Result<std::vector<std::uint64_t>> FindByLabel(const std::string& kind,
                                                 const std::string& key) override {
    return Query("SELECT idx FROM log_entries WHERE kind = $1 AND key = $2 ORDER BY idx", kind,
                 key);
  }
  Result<std::vector<std::uint64_t>> ListKind(const std::string& kind, std::size_t limit) override {
    return Query("SELECT idx FROM log_entries WHERE kind = $1 ORDER BY idx DESC LIMIT $2", kind,
                 static_cast<long long>(limit));
  }

 private:
  // The first column of every row of `sql`, as entry indexes.
  template <typename... Args>
  Result<std::vector<std::uint64_t>> Query(const std::string& sql, const Args&... args) {
    std::lock_guard lock(mutex_);
    return Guard(*connection_, "looking up the log's index",
                 [&]() -> Result<std::vector<std::uint64_t>> {
                   pqxx::work work(*connection_->impl().conn);
                   const pqxx::result rows = work.exec_params(sql, args...);
                   std::vector<std::uint64_t> out;
                   for (const auto& row : rows) {
                     out.push_back(row[0].as<std::uint64_t>());
                   }
                   return out;
                 });
  }

  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

Result<std::optional<std::uint64_t>> PgLogIndex::FindByLeafHash(const tlog::Hash& leaf_hash) {
  VIGIL_ASSIGN_OR_RETURN(
      std::vector<std::uint64_t> rows,
      Query("SELECT idx FROM log_entries WHERE leaf_hash = decode($1, 'hex') ORDER BY idx LIMIT 1",
            HexEncode(leaf_hash)));
  if (rows.empty()) {
    return std::optional<std::uint64_t>();
  }
  return std::optional<std::uint64_t>(rows.front());
}

Status PgLogIndex::Add(std::uint64_t first, const std::vector<tlog::IndexedEntry>& entries) {
  std::vector<std::optional<std::string>> indexes, leaves, kinds, keys;
  for (const tlog::IndexedEntry& entry : entries) {
    if (entry.index < first) {
      continue;
    }
    indexes.emplace_back(std::to_string(entry.index));
    leaves.emplace_back("\\x" + HexEncode(entry.leaf_hash));
    kinds.push_back(entry.kind);
    keys.push_back(entry.key);
  }
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "filling the log's index", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec_params(
        "INSERT INTO log_entries (idx, leaf_hash, kind, key)"
        " SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::text[], $4::text[])"
        " ON CONFLICT (idx) DO NOTHING",
        TextArray(indexes), TextArray(leaves), TextArray(kinds), TextArray(keys));
    work.commit();
    return OkStatus();
  });
}

}  // namespace

std::unique_ptr<tlog::LogIndex> MakeLogIndex(std::unique_ptr<Connection> connection) {
  return std::make_unique<PgLogIndex>(std::move(connection));
}

}  // namespace vigil::pg
