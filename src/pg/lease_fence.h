// Private to pg/: the epoch check inside an append transaction.
#pragma once

#include <cstdint>
#include <pqxx/pqxx>

#include "base/result.h"

namespace vigil::pg {

// Locks the lease row for the rest of `work` (SELECT ... FOR UPDATE) and checks that its
// epoch is still `epoch`: Failed ("fenced: ...") when another ledger took the lease over,
// and the transaction must not commit. Throws what libpqxx throws.
Status FenceEpoch(pqxx::work& work, std::int64_t epoch);

}  // namespace vigil::pg
