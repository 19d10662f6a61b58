#include "pg/replay_table.h"

#include "pg/session.h"

namespace vigil::pg {

Result<std::unique_ptr<ReplayTable>> ReplayTable::Open(const SessionSettings& session) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection, Connection::Open(session));
  VIGIL_RETURN_IF_ERROR(Guard(*connection, "creating the signer's table", [&]() -> Status {
    pqxx::work work(*connection->impl().conn);
    // Two signers starting together must not both create the table.
    work.exec("SELECT pg_advisory_xact_lock(7105462)");
    work.exec(
        "CREATE TABLE IF NOT EXISTS signer_signed ("
        " key_id text NOT NULL, build_id text NOT NULL,"
        " state text NOT NULL CHECK (state IN ('reserved', 'signed')),"
        " reserved_at bigint NOT NULL, envelope_sha256 text, ledger_index bigint,"
        " PRIMARY KEY (key_id, build_id))");
    work.commit();
    return OkStatus();
  }));
  return std::unique_ptr<ReplayTable>(new ReplayTable(std::move(connection)));
}

Result<std::optional<ReplayTable::Earlier>> ReplayTable::Reserve(const std::string& key_id,
                                                                 const std::string& build_id,
                                                                 std::uint64_t now) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "reserving a signature", [&]() -> Result<std::optional<Earlier>> {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::result inserted = work.exec_params(
        "INSERT INTO signer_signed (key_id, build_id, state, reserved_at)"
        " VALUES ($1, $2, 'reserved', $3) ON CONFLICT DO NOTHING RETURNING 1",
        key_id, build_id, static_cast<long long>(now));
    if (!inserted.empty()) {
      work.commit();
      return std::optional<Earlier>();
    }
    const pqxx::row row = work.exec_params1(
        "SELECT state, coalesce(ledger_index, 0) FROM signer_signed"
        " WHERE key_id = $1 AND build_id = $2",
        key_id, build_id);
    return std::optional<Earlier>(
        Earlier{row[0].as<std::string>() == "signed", row[1].as<std::uint64_t>()});
  });
}

Status ReplayTable::Complete(const std::string& key_id, const std::string& build_id,
                             const std::string& envelope_sha256, std::uint64_t ledger_index) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "recording a signature", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::result updated = work.exec_params(
        "UPDATE signer_signed SET state = 'signed', envelope_sha256 = $3, ledger_index = $4"
        " WHERE key_id = $1 AND build_id = $2 AND state = 'reserved' RETURNING 1",
        key_id, build_id, envelope_sha256, static_cast<long long>(ledger_index));
    if (updated.size() != 1) {
      return Error::Failed("no reservation of build " + build_id + " to complete");
    }
    work.commit();
    return OkStatus();
  });
}

Status ReplayTable::Release(const std::string& key_id, const std::string& build_id) {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "releasing a reservation", [&]() -> Status {
    pqxx::work work(*connection_->impl().conn);
    work.exec_params(
        "DELETE FROM signer_signed WHERE key_id = $1 AND build_id = $2 AND state = 'reserved'",
        key_id, build_id);
    work.commit();
    return OkStatus();
  });
}

Result<std::uint64_t> ReplayTable::PendingCount() {
  std::lock_guard lock(mutex_);
  return Guard(*connection_, "counting reservations", [&]() -> Result<std::uint64_t> {
    pqxx::work work(*connection_->impl().conn);
    const pqxx::row row = work.exec1("SELECT count(*) FROM signer_signed WHERE state = 'reserved'");
    return row[0].as<std::uint64_t>();
  });
}

}  // namespace vigil::pg
