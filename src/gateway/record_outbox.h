// The table of verdict records waiting for the ledger (gateway/ledger_recorder.h), shared by
// the stores that write a verdict in the same transaction as the state it describes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "gateway/delivery_store.h"

namespace vigil {
class SqliteDb;
class SqliteStatement;
}  // namespace vigil

namespace vigil::gateway {

Status CreateRecordTable(SqliteDb& db);
// Keeps a record for the ledger; a record_id kept before is not kept again.
Status KeepRecord(SqliteDb& db, const std::string& record_id, const std::string& body);
// The rows (seq, record_id, body) of `query`, stepped to the end.
Result<std::vector<PendingRecord>> ReadRecords(SqliteDb& db, SqliteStatement& query);
// Up to `limit` records the ledger has not yet taken, oldest first.
Result<std::vector<PendingRecord>> ReadPendingRecords(SqliteDb& db, std::size_t limit);
// Forgets record `seq` (moved to another store).
Status DropRecord(SqliteDb& db, std::uint64_t seq);

}  // namespace vigil::gateway
