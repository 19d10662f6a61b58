#include "crypto/secret_input.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file.h"

namespace vigil::crypto {

Result<SecretBytes> ReadSecretFromFd(int fd, std::uint64_t max_size, const std::string& name) {
  std::vector<std::uint8_t> buffer;
  std::uint8_t chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Wipe(buffer);
      Wipe(chunk);
      return Error::Failed("cannot read " + name + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    if (buffer.size() + static_cast<std::size_t>(n) > max_size) {
      Wipe(buffer);
      Wipe(chunk);
      return Error::BadInput(name + " is larger than " + std::to_string(max_size >> 20) + " MiB");
    }
    // Growing the vector would leave unwiped copies behind: reserve generously, then wipe.
    if (buffer.capacity() < buffer.size() + static_cast<std::size_t>(n)) {
      std::vector<std::uint8_t> bigger;
      bigger.reserve(std::max(buffer.capacity() * 2, buffer.size() + static_cast<std::size_t>(n)));
      bigger.assign(buffer.begin(), buffer.end());
      Wipe(buffer);
      buffer.swap(bigger);
    }
    buffer.insert(buffer.end(), chunk, chunk + n);
  }
  Wipe(chunk);
  SecretBytes data(buffer);
  Wipe(buffer);
  return data;
}

Result<SecretBytes> ReadSecretFile(const std::filesystem::path& path, std::uint64_t max_size) {
  auto data = ReadFile(path, max_size);
  if (!data.ok()) return data.error();
  SecretBytes secret(*data);
  Wipe(*data);
  return secret;
}

}  // namespace vigil::crypto
