#include "init/target_argv.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vigil::init {

Result<std::vector<std::string>> ParseTargetArgv(std::string_view data) {
  if (data.empty()) return Error::BadInput("the target argv file is empty");
  if (data.back() != '\0') {
    return Error::BadInput("the target argv file does not end with a NUL byte");
  }
  std::vector<std::string> argv;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\0', start);
    argv.emplace_back(data.substr(start, end - start));
    start = end + 1;
  }
  if (argv[0].empty() || argv[0][0] != '/') {
    return Error::BadInput("the target argv[0] is not an absolute path");
  }
  return argv;
}

Result<std::vector<std::string>> ReadTargetArgv(const char* path) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Error::BadInput(std::string("cannot open ") + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error::BadInput(std::string(path) + " is not a regular file");
  }
  // Read one byte past the bound so an oversized file is caught even if it grew.
  std::string data(image::kMaxTargetArgvBytes + 1, '\0');
  std::size_t used = 0;
  while (used < data.size()) {
    ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int saved = errno;
      ::close(fd);
      return Error::BadInput(std::string("cannot read ") + path + ": " + std::strerror(saved));
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (used > image::kMaxTargetArgvBytes) {
    return Error::BadInput(std::string(path) + " is larger than 64 KiB");
  }
  data.resize(used);
  return ParseTargetArgv(data);
}

}  // namespace vigil::init
