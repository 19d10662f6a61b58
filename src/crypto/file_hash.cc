#include "crypto/file_hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/file.h"
#include "base/unique_fd.h"
#include "crypto/hash.h"

namespace vigil::crypto {
namespace {

Status WriteAll(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Failed(std::string("cannot write a copy: ") + std::strerror(errno));
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return OkStatus();
}

Sha256Digest ToSha256Digest(const Bytes& bytes) {
  Sha256Digest digest{};
  std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

}  // namespace

Result<Sha256Digest> Sha256OfFile(const std::filesystem::path& path, std::uint64_t max_size,
                                  const std::filesystem::path& copy_to) {
  VIGIL_ASSIGN_OR_RETURN(InputFile input, OpenInputFile(path, max_size, /*allow_symlink=*/false));
  UniqueFd& in = input.fd;
  UniqueFd out(copy_to.empty()
                   ? -1
                   : ::open(copy_to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!copy_to.empty() && out.get() < 0) {
    return Error::Failed("cannot create " + copy_to.string() + ": " + std::strerror(errno));
  }
  Hasher hasher(HashAlgorithm::kSha256);
  std::vector<std::uint8_t> buffer(1 << 20);
  std::uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Failed("cannot read " + path.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    total += static_cast<std::uint64_t>(n);
    if (total > max_size) return Error::BadInput(path.string() + " grew beyond the limit");
    hasher.Update({buffer.data(), static_cast<std::size_t>(n)});
    if (out.get() >= 0) {
      VIGIL_RETURN_IF_ERROR(WriteAll(out.get(), buffer.data(), static_cast<std::size_t>(n)));
    }
  }
  return ToSha256Digest(hasher.Finish());
}

Result<Sha256Digest> Sha256OfFd(int fd) {
  Hasher hasher(HashAlgorithm::kSha256);
  std::vector<std::uint8_t> buffer(1 << 20);
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Failed(std::string("cannot read a copy: ") + std::strerror(errno));
    if (n == 0) break;
    offset += n;
    hasher.Update({buffer.data(), static_cast<std::size_t>(n)});
  }
  return ToSha256Digest(hasher.Finish());
}

}  // namespace vigil::crypto
