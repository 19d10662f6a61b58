// Private to pg/: the lease inside another transaction (the epoch check of an append, the
// table made with the log's).
#pragma once

#include <cstdint>
#include <pqxx/pqxx>

#include "base/result.h"

namespace vigil::pg {

// Locks the lease row for the rest of `work` (SELECT ... FOR UPDATE) and checks that its
// epoch is still `epoch`: Failed ("fenced: ...") when another ledger took the lease over,
// and the transaction must not commit. Throws what libpqxx throws.
Status FenceEpoch(pqxx::work& work, std::int64_t epoch);

// Creates the lease table and its one row inside `work` if they are missing.
void CreateLeaseTable(pqxx::work& work);

}  // namespace vigil::pg
