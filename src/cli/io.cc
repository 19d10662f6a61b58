#include "cli/io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file.h"

namespace vigil::cli {
namespace {

Result<crypto::SecretBytes> ReadStdin() {
  std::vector<std::uint8_t> buffer;
  std::uint8_t chunk[65536];
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      crypto::Wipe(buffer);
      crypto::Wipe(chunk);
      return Error::Failed(std::string("cannot read standard input: ") + std::strerror(errno));
    }
    if (n == 0) break;
    if (buffer.size() + static_cast<std::size_t>(n) > kMaxInputBytes) {
      crypto::Wipe(buffer);
      crypto::Wipe(chunk);
      return Error::BadInput("standard input is larger than 64 MiB");
    }
    // Growing the vector would leave unwiped copies behind: reserve generously, then wipe.
    if (buffer.capacity() < buffer.size() + static_cast<std::size_t>(n)) {
      std::vector<std::uint8_t> bigger;
      bigger.reserve(std::max(buffer.capacity() * 2, buffer.size() + static_cast<std::size_t>(n)));
      bigger.assign(buffer.begin(), buffer.end());
      crypto::Wipe(buffer);
      buffer.swap(bigger);
    }
    buffer.insert(buffer.end(), chunk, chunk + n);
  }
  crypto::Wipe(chunk);
  crypto::SecretBytes data(buffer);
  crypto::Wipe(buffer);
  return data;
}

}  // namespace

Result<crypto::SecretBytes> ReadInput(const std::string& path) {
  if (path.empty() || path == "-") return ReadStdin();
  auto data = ReadFile(path, kMaxInputBytes);
  if (!data.ok()) return data.error();
  crypto::SecretBytes secret(*data);
  crypto::Wipe(*data);
  return secret;
}

Status WriteOutput(const std::string& path, ByteView data, unsigned mode) {
  if (!path.empty() && path != "-") {
    // Like key generate, ca and image build: an existing file is never replaced.
    std::error_code ec;
    if (std::filesystem::symlink_status(path, ec).type() != std::filesystem::file_type::not_found) {
      return Error::BadInput(path +
                             " already exists; it is never replaced: remove it or give "
                             "another --out");
    }
    return CreateFileAtomic(path, data, mode);
  }
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return Error::Failed(std::string("cannot write standard output: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return OkStatus();
}

}  // namespace vigil::cli
