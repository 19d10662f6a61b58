#include "image/qemu_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/file.h"
#include "base/subprocess.h"
#include "encoding/sha256sums.h"
#include "init/protocol.h"

namespace vigil::image {
namespace {

constexpr char kQemu[] = "qemu-system-x86_64";
constexpr std::uint64_t kMaxCmdlineBytes = 4096;
// Console lines kept to explain a boot that ended without the exit line.
constexpr std::size_t kTailLines = 15;
// A console line longer than this is cut, so a target printing no newline cannot grow
// our memory without bound.
constexpr std::size_t kMaxLineBytes = 4096;
constexpr char kPanicMarker[] = "Kernel panic - not syncing";

struct BootFiles {
  fs::path kernel;
  fs::path initramfs;
  std::string cmdline;
};

Error NotGenericOutput(const fs::path& dir, const std::string& missing) {
  return Error::BadInput(dir.string() + " is not a generic image output (no " + missing +
                         "); run `vigil image build` first");
}

Result<BootFiles> FindBootFiles(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::BadInput(dir.string() +
                           " is not a directory; give the --out directory of `vigil image build`");
  }
  BootFiles files;
  files.kernel = dir / "vmlinuz";
  if (!fs::is_regular_file(files.kernel, ec)) return NotGenericOutput(dir, "vmlinuz");
  for (const char* name : {"initramfs.cpio.gz", "initramfs.cpio.zst", "initramfs.cpio"}) {
    if (fs::is_regular_file(dir / name, ec)) {
      files.initramfs = dir / name;
      break;
    }
  }
  if (files.initramfs.empty()) return NotGenericOutput(dir, "initramfs.cpio[.gz|.zst]");
  fs::path cmdline_path = dir / "cmdline";
  if (!fs::is_regular_file(cmdline_path, ec)) return NotGenericOutput(dir, "cmdline");
  // Integrity before interpretation: boot only what the build wrote, unchanged.
  VIGIL_RETURN_IF_ERROR(encoding::VerifyListedFiles(
      dir, {files.kernel.filename().string(), files.initramfs.filename().string(),
            cmdline_path.filename().string()}));
  VIGIL_ASSIGN_OR_RETURN(Bytes cmdline, ReadFile(cmdline_path, kMaxCmdlineBytes));
  files.cmdline.assign(AsText(cmdline));
  if (!files.cmdline.empty() && files.cmdline.back() == '\n') files.cmdline.pop_back();
  if (files.cmdline.empty() || files.cmdline.find_first_of("\r\n") != std::string::npos ||
      files.cmdline.find('\0') != std::string::npos) {
    return Error::BadInput(cmdline_path.string() + " must hold exactly one non-empty line");
  }
  return files;
}

// KVM only helps when we may open it read-write; otherwise QEMU would fail to start.
bool KvmUsable() {
  int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::vector<std::string> QemuArgv(const BootFiles& files, const QemuOptions& options, bool kvm) {
  std::vector<std::string> argv = {
      kQemu,
      // No default devices and no monitor: stdio carries only the serial console.
      // -display none rather than -nographic, which would also make SeaBIOS draw on the
      // serial port (clearing the user's terminal).
      "-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio", "-monitor", "none",
      // The guest powering off (or panicking, with panic=-1) ends QEMU.
      "-no-reboot", "-m", std::to_string(options.memory_mib), "-smp", "1", "-kernel",
      files.kernel.string(), "-initrd", files.initramfs.string(), "-append", files.cmdline};
  if (kvm) {
    argv.insert(argv.end(), {"-enable-kvm", "-cpu", "host"});
  } else {
    argv.insert(argv.end(), {"-accel", "tcg"});
  }
  return argv;
}

// Parses the status after the prefix: decimal 0..255, no sign, spaces or leading zeros.
bool ParseExitStatus(std::string_view text, int* status) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *status);
  return ec == std::errc() && end == text.data() + text.size() && *status <= 255;
}

// Splits the console stream into lines, remembers the last few and the last exit line.
class ConsoleScanner {
 public:
  void Feed(std::string_view chunk) {
    for (char c : chunk) {
      if (c == '\n') {
        EndLine();
      } else if (line_.size() < kMaxLineBytes) {
        line_.push_back(c);
      }
    }
  }

  // Flushes a last line that QEMU's exit left without a newline.
  void Finish() {
    if (!line_.empty()) EndLine();
  }

  std::optional<int> exit_status() const { return exit_status_; }
  const std::string& bad_exit_line() const { return bad_exit_line_; }
  const std::string& panic_line() const { return panic_line_; }

  std::string Tail() const {
    std::string text;
    for (const std::string& line : tail_) text += "  | " + line + "\n";
    return text.empty() ? "  (no console output)\n" : text;
  }

 private:
  void EndLine() {
    while (!line_.empty() && line_.back() == '\r') line_.pop_back();
    // The target's own output may lack a final newline, so the prefix can start mid-line.
    std::size_t at = line_.rfind(init::kExitStatusPrefix);
    if (at != std::string::npos) {
      std::string_view value = std::string_view(line_).substr(
          at + std::char_traits<char>::length(init::kExitStatusPrefix));
      int status = 0;
      if (ParseExitStatus(value, &status)) {
        exit_status_ = status;
        bad_exit_line_.clear();
      } else {
        bad_exit_line_ = line_;
      }
    }
    // A panic's backtrace pushes its reason out of the tail; keep the reason.
    if (panic_line_.empty() && line_.find(kPanicMarker) != std::string::npos) {
      panic_line_ = line_;
    }
    tail_.push_back(std::move(line_));
    if (tail_.size() > kTailLines) tail_.pop_front();
    line_.clear();
  }

  std::string line_;
  std::deque<std::string> tail_;
  std::optional<int> exit_status_;
  std::string bad_exit_line_;
  std::string panic_line_;
};

void WriteToStdout(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

Result<QemuResult> RunInQemu(const fs::path& dir, const QemuOptions& options) {
  if (options.memory_mib <= 0) return Error::BadInput("QEMU memory must be positive");
  if (options.timeout.count() <= 0) return Error::BadInput("QEMU timeout must be positive");
  VIGIL_ASSIGN_OR_RETURN(BootFiles files, FindBootFiles(dir));

  QemuResult result;
  result.used_kvm = KvmUsable();
  Command command;
  command.argv = QemuArgv(files, options, result.used_kvm);
  command.capture_stderr = true;  // QEMU's own errors belong next to the console output
  command.inherit_stdin = options.interactive;

  ConsoleScanner scanner;
  std::function<void(std::string_view)> sink = options.on_console;
  if (!sink) sink = WriteToStdout;
  Result<Exit> exit = RunStreaming(command, options.timeout, [&](std::string_view chunk) {
    sink(chunk);
    scanner.Feed(chunk);
    return true;
  });
  if (!exit.ok()) {
    if (exit.error().code() == ErrorCode::kMissingEnv) {
      return Error::MissingEnv(std::string(kQemu) +
                               " is not installed or not in PATH; run scripts/setup");
    }
    return exit.error().WithContext("cannot start QEMU");
  }
  scanner.Finish();

  if (exit->timed_out) {
    return Error::Failed("the image in " + dir.string() + " did not finish within " +
                         std::to_string(options.timeout.count()) +
                         " s (QEMU was killed); last console lines:\n" + scanner.Tail());
  }
  if (!scanner.exit_status()) {
    std::string how = exit->signal != 0
                          ? "QEMU was killed by signal " + std::to_string(exit->signal)
                          : "QEMU exited with code " + std::to_string(exit->code);
    std::string why;
    if (!scanner.bad_exit_line().empty()) {
      why = "vigil-init printed a malformed exit line '" + scanner.bad_exit_line() + "'";
    } else {
      why = "the kernel or vigil-init failed before the target's exit line";
      if (!scanner.panic_line().empty()) why += " (" + scanner.panic_line() + ")";
    }
    return Error::Failed(why + " (" + how + "); last console lines:\n" + scanner.Tail());
  }
  result.target_exit_status = *scanner.exit_status();
  return result;
}

}  // namespace vigil::image
