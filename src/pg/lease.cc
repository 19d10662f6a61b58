#include "pg/lease.h"

#include "pg/lease_fence.h"
#include "pg/session.h"

namespace vigil::pg {
namespace {

// Who holds the lease, for the messages of a refusal.
std::string Describe(const pqxx::row& row) {
  return "held by " + row["holder"].as<std::string>() + " (epoch " +
         row["epoch"].as<std::string>() + ")";
}

}  // namespace

Status CreateLeaseSchema(Connection& connection) {
  return Guard(connection, "creating the lease table", [&]() -> Status {
    pqxx::work work(*connection.impl().conn);
    // Two ledgers starting together must not both create the table.
    work.exec("SELECT pg_advisory_xact_lock(7105461)");
    CreateLeaseTable(work);
    work.commit();
    return OkStatus();
  });
}

Result<Lease> AcquireLease(Connection& connection, const std::string& holder,
                           std::chrono::milliseconds ttl) {
  return Guard(connection, "taking the sequencer lease", [&]() -> Result<Lease> {
    pqxx::work work(*connection.impl().conn);
    const pqxx::result taken = work.exec_params(
        "UPDATE lease SET holder = $1, epoch = epoch + 1,"
        " expires_at = clock_timestamp() + $2::bigint * interval '1 millisecond'"
        " WHERE id = 1 AND expires_at <= clock_timestamp() RETURNING epoch",
        holder, static_cast<long long>(ttl.count()));
    if (taken.empty()) {
      const pqxx::row row = work.exec1(
          "SELECT holder, epoch, GREATEST(0, CEIL(EXTRACT(EPOCH FROM expires_at -"
          " clock_timestamp()) * 1000))::bigint AS left_ms FROM lease WHERE id = 1");
      return Error::Failed("the sequencer lease is " + Describe(row) + " for another " +
                           row["left_ms"].as<std::string>() +
                           " ms: another ledger sequences this log; this one waits as a standby "
                           "and takes over when that lease expires");
    }
    Lease lease{holder, taken[0][0].as<std::int64_t>()};
    work.commit();
    return lease;
  });
}

Status RenewLease(Connection& connection, const Lease& lease, std::chrono::milliseconds ttl) {
  return Guard(connection, "renewing the sequencer lease", [&]() -> Status {
    pqxx::work work(*connection.impl().conn);
    const pqxx::result renewed = work.exec_params(
        "UPDATE lease SET expires_at = clock_timestamp() + $2::bigint * interval '1 millisecond'"
        " WHERE id = 1 AND epoch = $1 RETURNING epoch",
        static_cast<long long>(lease.epoch), static_cast<long long>(ttl.count()));
    if (renewed.empty()) {
      const pqxx::row row = work.exec1("SELECT holder, epoch FROM lease WHERE id = 1");
      return Error::Failed("lost the sequencer lease (epoch " + std::to_string(lease.epoch) +
                           "): it is now " + Describe(row) + "; stop appending");
    }
    work.commit();
    return OkStatus();
  });
}

Status ReleaseLease(Connection& connection, const Lease& lease) {
  return Guard(connection, "releasing the sequencer lease", [&]() -> Status {
    pqxx::work work(*connection.impl().conn);
    work.exec_params("UPDATE lease SET expires_at = '-infinity' WHERE id = 1 AND epoch = $1",
                     static_cast<long long>(lease.epoch));
    work.commit();
    return OkStatus();
  });
}

Result<LeaseState> ReadLease(Connection& connection) {
  return Guard(connection, "reading the sequencer lease", [&]() -> Result<LeaseState> {
    pqxx::work work(*connection.impl().conn);
    const pqxx::row row = work.exec1(
        "SELECT holder, epoch, expires_at <= clock_timestamp() AS expired FROM lease"
        " WHERE id = 1");
    return LeaseState{{row["holder"].as<std::string>(), row["epoch"].as<std::int64_t>()},
                      row["expired"].as<bool>()};
  });
}

void CreateLeaseTable(pqxx::work& work) {
  work.exec(
      "CREATE TABLE IF NOT EXISTS lease ("
      " id int PRIMARY KEY CHECK (id = 1),"
      " holder text NOT NULL,"
      " epoch bigint NOT NULL CHECK (epoch >= 0),"
      " expires_at timestamptz NOT NULL)");
  work.exec(
      "INSERT INTO lease (id, holder, epoch, expires_at) VALUES (1, '', 0, '-infinity')"
      " ON CONFLICT (id) DO NOTHING");
}

Status FenceEpoch(pqxx::work& work, std::int64_t epoch) {
  const pqxx::row row = work.exec1("SELECT holder, epoch FROM lease WHERE id = 1 FOR UPDATE");
  if (row["epoch"].as<std::int64_t>() != epoch) {
    return Error::Failed("fenced: this ledger's sequencer lease (epoch " + std::to_string(epoch) +
                         ") was taken over, the lease is now " + Describe(row) +
                         "; nothing was appended, and this ledger must stop sequencing");
  }
  return OkStatus();
}

}  // namespace vigil::pg
