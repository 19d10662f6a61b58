#include "base/sealed_copy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file.h"

namespace vigil {

Result<SealedCopy> SealedCopy::Create(const std::filesystem::path& path, std::uint64_t max_size) {
  VIGIL_ASSIGN_OR_RETURN(InputFile input, OpenInputFile(path, max_size, /*allow_symlink=*/false));
  // No MFD_CLOEXEC: the child that boots the copy inherits it.
  UniqueFd copy(::memfd_create(path.filename().c_str(), MFD_ALLOW_SEALING));
  if (copy.get() < 0) {
    return Error::Failed(std::string("cannot make a private copy (memfd_create): ") +
                         std::strerror(errno));
  }
  std::vector<char> buffer(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(input.fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Failed("cannot read " + path.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > max_size) return Error::BadInput(path.string() + " grew beyond the limit");
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(copy.get(), buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Error::Failed(std::string("cannot write a copy: ") + std::strerror(errno));
      done += w;
    }
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) !=
      0) {
    return Error::Failed(std::string("cannot seal the private copy: ") + std::strerror(errno));
  }
  return SealedCopy(std::move(copy), total);
}

std::string SealedCopy::ChildPath() const { return "/proc/self/fd/" + std::to_string(fd()); }

}  // namespace vigil
