#include "init/console.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigil::init {
namespace {

constexpr char kConsolePath[] = "/dev/console";

bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

Status OpenConsole() {
  // PID 1 is not a process group leader, so setsid only fails when it already ran.
  if (::setsid() < 0 && errno != EPERM) {
    return Error::Failed(std::string("setsid: ") + std::strerror(errno));
  }
  int fd = ::open(kConsolePath, O_RDWR | O_NOCTTY);
  if (fd < 0) {
    return Error::MissingEnv(std::string("cannot open ") + kConsolePath + ": " +
                             std::strerror(errno));
  }
  // Without a controlling terminal, Ctrl-C in a debug shell would reach nobody.
  if (::ioctl(fd, TIOCSCTTY, 1) < 0) {
    int saved = errno;
    ::close(fd);
    return Error::Failed(std::string("cannot make the console our terminal: ") +
                         std::strerror(saved));
  }
  for (int target = 0; target <= 2; ++target) {
    if (fd != target && ::dup2(fd, target) < 0) {
      int saved = errno;
      ::close(fd);
      return Error::Failed(std::string("dup2 of the console: ") + std::strerror(saved));
    }
  }
  if (fd > 2) ::close(fd);
  return OkStatus();
}

void WriteConsole(std::string_view text) {
  if (WriteAll(STDERR_FILENO, text)) return;
  // The kernel gives init no fds when the initramfs lacks /dev/console.
  int fd = ::open(kConsolePath, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return;
  WriteAll(fd, text);
  ::close(fd);
}

void Say(std::string_view message) {
  std::string line = "vigil-init: ";
  line.append(message);
  line.push_back('\n');
  WriteConsole(line);
}

}  // namespace vigil::init
