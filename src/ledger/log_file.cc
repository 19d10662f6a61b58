#include "ledger/log_file.h"

#include <unistd.h>

#include <cerrno>
#include <vector>

namespace vigil::ledger {

ssize_t ReadAt(int fd, char* buffer, std::size_t size, std::uint64_t offset) {
  while (true) {
    const ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
    if (n >= 0 || errno != EINTR) return n;
  }
}

std::optional<std::uint64_t> CompleteLinesSize(int fd, std::uint64_t size) {
  std::uint64_t end = size;
  std::vector<char> buffer(kLogReadChunk);
  while (end > 0) {
    const std::uint64_t start = end > kLogReadChunk ? end - kLogReadChunk : 0;
    const auto length = static_cast<std::size_t>(end - start);
    if (ReadAt(fd, buffer.data(), length, start) != static_cast<ssize_t>(length)) {
      return std::nullopt;
    }
    for (std::size_t i = length; i > 0; --i) {
      if (buffer[i - 1] == '\n') return start + i;
    }
    end = start;
  }
  return 0;
}

}  // namespace vigil::ledger
