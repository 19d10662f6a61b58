// hello: the reference target of a Vigil image. Greets with its arguments, shows the kernel
// it runs on (proof that it runs inside the VM) and what that kernel refuses it (IPv4
// sockets, module loading), and exits with 0, or with N given
// `--exit N`, so tests can check that the exit status reaches the host. `--show-mounts`
// prints the mount table vigil-init set up; `--show-tpm` what measured boot left in the
// TPM (its SHA-256 PCRs 0-9 and the firmware's event log, as the kernel publishes them, for
// the tpm output's boot test); `--abort` ends by SIGABRT.

#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

// Parses a decimal exit status 0..255, digits only.
bool ParseStatus(std::string_view text, int* status) {
  if (text.empty() || text.size() > 3) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *status);
  return ec == std::errc() && end == text.data() + text.size() && *status >= 0 && *status <= 255;
}

// What the kernel refuses this program: an IPv4 socket, loading a module.
void ShowKernelRefusals() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0) {
    std::printf("hello: socket(AF_INET) succeeded: this kernel has IPv4\n");
    ::close(fd);
  } else {
    std::printf("hello: socket(AF_INET) failed: %s\n", std::strerror(errno));
  }
  if (::syscall(SYS_init_module, nullptr, 0UL, "") < 0 && errno == ENOSYS) {
    std::printf("hello: init_module failed: %s\n", std::strerror(errno));
  } else {
    std::printf("hello: init_module is available: this kernel loads modules\n");
  }
}

// "hello-tpm: PCRn HEX" for PCRs 0-9, then the event log as "hello-tpm: log HEX" lines of
// 64 bytes each, and "hello-tpm: end".
void ShowTpm() {
  for (int pcr = 0; pcr <= 9; ++pcr) {
    const std::string path = "/sys/class/tpm/tpm0/pcr-sha256/" + std::to_string(pcr);
    char value[80] = {};
    std::FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr || std::fgets(value, sizeof value, file) == nullptr) {
      std::printf("hello-tpm: no TPM 2.0 PCRs (%s)\n", path.c_str());
      if (file != nullptr) std::fclose(file);
      return;
    }
    std::fclose(file);
    value[std::strcspn(value, "\n")] = '\0';
    std::printf("hello-tpm: PCR%d %s\n", pcr, value);
  }
  std::FILE* log = std::fopen("/sys/kernel/security/tpm0/binary_bios_measurements", "rb");
  if (log == nullptr) {
    std::printf("hello-tpm: no event log: %s\n", std::strerror(errno));
    return;
  }
  unsigned char chunk[64];
  std::size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, log)) > 0) {
    std::printf("hello-tpm: log ");
    for (std::size_t i = 0; i < n; ++i) std::printf("%02x", chunk[i]);
    std::printf("\n");
  }
  std::fclose(log);
  std::printf("hello-tpm: end\n");
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  bool show_mounts = false;
  bool abort_at_end = false;
  bool show_tpm = false;
  std::string args;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--exit") {
      if (i + 1 >= argc || !ParseStatus(argv[i + 1], &status)) {
        std::fprintf(stderr, "hello: --exit needs a status from 0 to 255\n");
        return 2;
      }
      ++i;
      continue;
    }
    if (arg == "--show-tpm") {
      show_tpm = true;
      continue;
    }
    if (arg == "--show-mounts" || arg == "--abort") {
      (arg == "--show-mounts" ? show_mounts : abort_at_end) = true;
      continue;
    }
    if (!args.empty()) args.push_back(' ');
    args.append(arg);
  }
  std::printf("hello from vigil: %s\n", args.c_str());
  utsname uts{};
  if (::uname(&uts) == 0) {
    std::printf("hello: running on Linux %s (%s), pid %d\n", uts.release, uts.machine,
                static_cast<int>(::getpid()));
  }
  ShowKernelRefusals();
  if (show_mounts) {
    if (std::FILE* mounts = std::fopen("/proc/self/mounts", "r")) {
      char line[512];
      while (std::fgets(line, sizeof(line), mounts) != nullptr) std::printf("mount: %s", line);
      std::fclose(mounts);
    }
  }
  if (show_tpm) ShowTpm();
  if (status != 0) std::printf("hello: exiting with status %d\n", status);
  std::fflush(stdout);
  if (abort_at_end) std::raise(SIGABRT);
  return status;
}
