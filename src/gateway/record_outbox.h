// The table of verdict records waiting for the ledger (gateway/ledger_recorder.h), shared by
// the stores that write a verdict in the same transaction as the state it describes.
#pragma once

#include <string>

#include "base/result.h"

namespace vigil {
class SqliteDb;
}  // namespace vigil

namespace vigil::gateway {

Status CreateRecordTable(SqliteDb& db);
// Keeps a record for the ledger; a record_id kept before is not kept again.
Status KeepRecord(SqliteDb& db, const std::string& record_id, const std::string& body);

}  // namespace vigil::gateway
