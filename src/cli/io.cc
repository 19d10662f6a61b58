#include "cli/io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.h"
#include "crypto/secret_input.h"

namespace vigil::cli {

Result<crypto::SecretBytes> ReadInput(const std::string& path) {
  if (path.empty() || path == "-") {
    return crypto::ReadSecretFromFd(STDIN_FILENO, kMaxInputBytes, "standard input");
  }
  return crypto::ReadSecretFile(path, kMaxInputBytes);
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
