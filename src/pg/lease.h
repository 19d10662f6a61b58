// The sequencer lease: which of the ledgers sharing one database may append, fenced by an
// epoch. One row, `lease(id = 1, holder, epoch, expires_at)`; a ledger takes it when it is
// free or expired (the epoch goes up by one), renews it while it runs, and every append
// transaction checks, under the row's lock, that the epoch is still its own. An advisory
// lock alone would not do: an old sequencer cut off by a partition may keep its session
// and its lock, and append after another took over; with the epoch check, its next append
// is refused however long its session lives. Times are the database server's clock
// (clock_timestamp()), so the ledgers' clocks never need to agree.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/result.h"

namespace vigil::pg {

class Connection;

// Creates the lease table if it is missing (idempotent).
Status CreateLeaseSchema(Connection& connection);

struct Lease {
  std::string holder;
  std::int64_t epoch = 0;
};

// Takes the lease for `holder` (a name for messages: host and process) for `ttl`, with a
// new epoch, if no one holds it or its holder let it expire. Failed ("held by H, epoch E,
// for another N ms") otherwise.
Result<Lease> AcquireLease(Connection& connection, const std::string& holder,
                           std::chrono::milliseconds ttl);

// Extends `lease` to `ttl` from now. Failed ("the lease was taken over by H (epoch E)")
// when another holder has taken it since: the caller must stop appending.
Status RenewLease(Connection& connection, const Lease& lease, std::chrono::milliseconds ttl);

// Lets the lease expire now so that another ledger can take it at once.
Status ReleaseLease(Connection& connection, const Lease& lease);

// The lease as stored (holder, epoch) and whether it is current.
struct LeaseState {
  Lease lease;
  bool expired = true;
};
Result<LeaseState> ReadLease(Connection& connection);

}  // namespace vigil::pg
