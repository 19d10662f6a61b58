#include "pg/build_log_table.h"

#include "pg/lease_fence.h"
#include "pg/session.h"

namespace vigil::pg {
namespace {

// Text is read back this many chunks per statement.
constexpr int kChunksPerRead = 256;

BuildLogTable::Build BuildOf(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
          row[3].as<std::uint64_t>()};
}

Status RefuseReadOnly(std::int64_t epoch) {
  if (epoch != 0) return OkStatus();
  return Error::Failed("this ledger does not hold the sequencer lease: it writes no build's text");
}

}  // namespace

Result<std::unique_ptr<BuildLogTable>> BuildLogTable::Open(const SessionSettings& session,
                                                           std::int64_t epoch) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(session));
  // One transaction; the advisory lock keeps two ledgers starting together from both
  // creating the tables. (The lease's table is the log's: pg/log_storage.h made it.)
  VIGIL_RETURN_IF_ERROR(connection->Exec(
      "SELECT pg_advisory_xact_lock(7105463);"
      "CREATE TABLE IF NOT EXISTS ledger_builds ("
      " build_id text PRIMARY KEY, meta text NOT NULL,"
      " state text NOT NULL CHECK (state IN ('running', 'closed', 'truncated')),"
      " started bigserial, epoch bigint NOT NULL,"
      " bytes bigint NOT NULL DEFAULT 0, lines bigint NOT NULL DEFAULT 0);"
      "CREATE TABLE IF NOT EXISTS ledger_build_text ("
      " build_id text NOT NULL REFERENCES ledger_builds, byte_offset bigint NOT NULL,"
      " text bytea COMPRESSION lz4 NOT NULL, PRIMARY KEY (build_id, byte_offset))"));
  return std::unique_ptr<BuildLogTable>(new BuildLogTable(std::move(connection), epoch));
}

Status BuildLogTable::Start(const std::string& id, const std::string& meta) {
  VIGIL_RETURN_IF_ERROR(RefuseReadOnly(epoch_));
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "starting a build's log", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, epoch_));
    const pqxx::result inserted = work.exec_params(
        "INSERT INTO ledger_builds (build_id, meta, state, epoch) VALUES ($1, $2, 'running', $3)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        id, meta, static_cast<long long>(epoch_));
    if (inserted.empty()) {
      return Error::Failed("build " + id +
                           " was started before (by a ledger sharing this database): build ids "
                           "are used once");
    }
    work.commit();
    return OkStatus();
  });
}

Status BuildLogTable::Store(const std::vector<Chunk>& chunks) {
  if (chunks.empty()) return OkStatus();
  VIGIL_RETURN_IF_ERROR(RefuseReadOnly(epoch_));
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "storing builds' text", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, epoch_));
    for (const Chunk& chunk : chunks) {
      const auto offset = static_cast<long long>(chunk.offset);
      const pqxx::result moved = work.exec_params(
          "UPDATE ledger_builds SET bytes = bytes + $3, lines = lines + $4"
          " WHERE build_id = $1 AND state = 'running' AND bytes = $2 RETURNING 1",
          chunk.id, offset, static_cast<long long>(chunk.text.size()),
          static_cast<long long>(chunk.lines));
      if (moved.size() != 1) {
        return Error::Failed("build " + chunk.id + " is not running at byte " +
                             std::to_string(chunk.offset) + " in the database");
      }
      work.exec_params(
          "INSERT INTO ledger_build_text (build_id, byte_offset, text)"
          " VALUES ($1, $2, $3)",
          chunk.id, offset, Binary(AsBytes(chunk.text)));
    }
    work.commit();
    return OkStatus();
  });
}

Status BuildLogTable::Finish(const std::string& id, const std::string& state) {
  VIGIL_RETURN_IF_ERROR(RefuseReadOnly(epoch_));
  if (state != "closed" && state != "truncated") {
    return Error::BadInput("a build ends closed or truncated, not " + state);
  }
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "ending a build's log", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    VIGIL_RETURN_IF_ERROR(FenceEpoch(work, epoch_));
    work.exec_params(
        "UPDATE ledger_builds SET state = $2 WHERE build_id = $1 AND state = 'running'", id, state);
    work.commit();
    return OkStatus();
  });
}

Result<std::vector<BuildLogTable::Build>> BuildLogTable::Running() {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "listing running builds", [&]() -> Result<std::vector<Build>> {
    pqxx::work work(*connection_->impl().conn);
    std::vector<Build> out;
    for (const pqxx::row& row : work.exec("SELECT build_id, meta, state FROM ledger_builds"
                                          " WHERE state = 'running' ORDER BY started")) {
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
    }
    return out;
  });
}

Result<std::vector<BuildLogTable::Build>> BuildLogTable::FindMany(
    const std::vector<std::string>& ids) {
  std::vector<std::optional<std::string>> array(ids.begin(), ids.end());
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "finding builds", [&]() -> Result<std::vector<Build>> {
    pqxx::work work(*connection_->impl().conn);
    std::vector<Build> out;
    for (const pqxx::row& row :
         work.exec_params("SELECT build_id, meta, state, bytes FROM ledger_builds"
                          " WHERE build_id = ANY($1::text[])",
                          TextArray(array))) {
      out.push_back(BuildOf(row));
    }
    return out;
  });
}

Status BuildLogTable::ReadText(const std::string& id, const std::function<Status(ByteView)>& sink) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reading a build's text", [&]() -> Status {
    long long next = 0;
    while (true) {
      pqxx::work work(*connection_->impl().conn);
      const pqxx::result rows = work.exec_params(
          "SELECT byte_offset, text FROM ledger_build_text WHERE build_id = $1 AND"
          " byte_offset >= $2 ORDER BY byte_offset LIMIT $3",
          id, next, kChunksPerRead);
      work.commit();
      for (const pqxx::row& row : rows) {
        if (row[0].as<long long>() != next) {
          return Error::Failed("the text of build " + id + " has a gap at byte " +
                               std::to_string(next) + " in the database");
        }
        const Bytes text = FromBinary(row[1]);
        VIGIL_RETURN_IF_ERROR(sink(text));
        next += static_cast<long long>(text.size());
      }
      if (rows.size() < static_cast<std::size_t>(kChunksPerRead)) return OkStatus();
    }
  });
}

}  // namespace vigil::pg
