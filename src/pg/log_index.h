// The log's index in PostgreSQL (`log_entries`), as a tlog::LogIndex for the lookups. Its
// rows are committed with the checkpoint that covers them (pg/log_storage.h), so it never
// lags the log and never holds rows beyond it; Add() only fills gaps (idempotent), and
// Truncate() deletes nothing (rows beyond this process's checkpoint are a newer
// sequencer's).
#pragma once

#include <memory>

#include "pg/connection.h"
#include "tlog/log_index.h"

namespace vigil::pg {

std::unique_ptr<tlog::LogIndex> MakeLogIndex(std::unique_ptr<Connection> connection);

}  // namespace vigil::pg
