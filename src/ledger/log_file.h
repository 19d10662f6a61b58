// Reading a build's log file while the ledger may still be appending to it: positioned
// reads, and the extent of its complete lines. Used by the HTTP API's log routes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>

namespace vigil::ledger {

// Reads of log files, per step.
inline constexpr std::size_t kLogReadChunk = 64 << 10;

// pread that retries on EINTR; -1 on errors.
ssize_t ReadAt(int fd, char* buffer, std::size_t size, std::uint64_t offset);

// The size of the log's complete lines: its size up to and including the last newline.
// nullopt when it cannot be read.
std::optional<std::uint64_t> CompleteLinesSize(int fd, std::uint64_t size);

}  // namespace vigil::ledger
