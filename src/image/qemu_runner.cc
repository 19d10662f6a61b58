#include "image/qemu_runner.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "base/sealed_copy.h"
#include "base/strict_number.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"
#include "crypto/hash.h"
#include "encoding/sha256sums.h"
#include "image/builder.h"
#include "image/layout.h"
#include "image/quorum_host.h"
#include "image/spec.h"
#include "image/swtpm.h"

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

// Kernel and initramfs of the largest image we boot; a bound on the private copies.
constexpr std::uint64_t kMaxBootFileBytes = 2ull << 30;

// What QEMU boots: private sealed copies, checked against SHA256SUMS after copying, so a
// file swapped or rewritten in DIR after the check never reaches the guest.
struct BootFiles {
  std::optional<SealedCopy> kernel;
  std::optional<SealedCopy> initramfs;
  std::string cmdline;
  int memory_mib = kDefaultMemoryMib;  // what the image's recorded spec asks for
  // With a TPM: OVMF's code, and the private copy of its variables the firmware writes.
  fs::path ovmf_code;
  fs::path ovmf_vars;
};

// Debian's OVMF (package ovmf), built with TPM 2.0 support; the 4 MiB variable store.
constexpr char kOvmfCode[] = "/usr/share/OVMF/OVMF_CODE_4M.fd";
constexpr char kOvmfVars[] = "/usr/share/OVMF/OVMF_VARS_4M.fd";

// OVMF's code, and a private copy of its variables in `work`.
Status PrepareUefi(const fs::path& work, BootFiles& files) {
  std::error_code ec;
  if (!fs::exists(kOvmfCode, ec) || !fs::exists(kOvmfVars, ec)) {
    return Error::MissingEnv(std::string(kOvmfCode) +
                             " is missing: a UEFI boot needs OVMF (Debian: ovmf); "
                             "scripts/setup installs it");
  }
  files.ovmf_code = kOvmfCode;
  files.ovmf_vars = work / "OVMF_VARS.fd";
  fs::copy_file(kOvmfVars, files.ovmf_vars, fs::copy_options::overwrite_existing, ec);
  if (ec) return Error::Failed("cannot copy " + std::string(kOvmfVars) + ": " + ec.message());
  return OkStatus();
}

Error NotGenericOutput(const fs::path& dir, const std::string& missing) {
  return Error::BadInput(dir.string() + " is not a generic image output (no " + missing +
                         "); run `vigil image build` first");
}

// Copies `name` from DIR into a sealed private copy and checks the copy against `sums`.
Result<SealedCopy> CheckedCopy(const fs::path& dir, const std::string& name,
                               const encoding::Sums& sums) {
  VIGIL_ASSIGN_OR_RETURN(SealedCopy copy, SealedCopy::Create(dir / name, kMaxBootFileBytes));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest sha256, crypto::Sha256OfFd(copy.fd()));
  VIGIL_RETURN_IF_ERROR(encoding::CheckListed(sums, dir, name, sha256));
  return copy;
}

// The memory the image asks for in its recorded spec (checked against SHA256SUMS like the
// boot files), or the default when it names none or the directory records no spec.
Result<int> ImageMemory(const fs::path& dir, const encoding::Sums& sums) {
  VIGIL_ASSIGN_OR_RETURN(std::optional<fs::path> recorded, FindRecordedSpec(dir));
  if (!recorded) return kDefaultMemoryMib;
  constexpr std::uint64_t kMaxSpecBytes = 1 << 20;
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(*recorded, kMaxSpecBytes, /*allow_symlink=*/false));
  VIGIL_RETURN_IF_ERROR(
      encoding::CheckListed(sums, dir, recorded->filename().string(), crypto::Sha256(text)));
  VIGIL_ASSIGN_OR_RETURN(ImageSpec spec,
                         ParseSpec(AsText(text), dir, recorded->string(), std::nullopt));
  return spec.memory_mib.value_or(kDefaultMemoryMib);
}

Result<BootFiles> FindBootFiles(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error::BadInput(dir.string() +
                           " is not a directory; give the --out directory of `vigil image build`");
  }
  // Present is enough here: the copy refuses a directory, device or pipe by name.
  auto present = [&](const fs::path& path) {
    return fs::symlink_status(path, ec).type() != fs::file_type::not_found;
  };
  if (!present(dir / "vmlinuz")) return NotGenericOutput(dir, "vmlinuz");
  std::string initramfs;
  for (const char* name : {"initramfs.cpio.gz", "initramfs.cpio.zst", "initramfs.cpio"}) {
    if (present(dir / name)) {
      initramfs = name;
      break;
    }
  }
  if (initramfs.empty()) return NotGenericOutput(dir, "initramfs.cpio[.gz|.zst]");
  fs::path cmdline_path = dir / "cmdline";
  if (!present(cmdline_path)) return NotGenericOutput(dir, "cmdline");

  // Integrity before interpretation: boot only what the build wrote, unchanged, and only
  // the very bytes that were checked.
  VIGIL_ASSIGN_OR_RETURN(encoding::Sums sums, encoding::ReadSums(dir));
  BootFiles files;
  VIGIL_ASSIGN_OR_RETURN(files.kernel, CheckedCopy(dir, "vmlinuz", sums));
  VIGIL_ASSIGN_OR_RETURN(files.initramfs, CheckedCopy(dir, initramfs, sums));
  VIGIL_ASSIGN_OR_RETURN(Bytes cmdline,
                         ReadFile(cmdline_path, kMaxCmdlineBytes, /*allow_symlink=*/false));
  VIGIL_RETURN_IF_ERROR(encoding::CheckListed(sums, dir, "cmdline", crypto::Sha256(cmdline)));
  files.cmdline.assign(AsText(cmdline));
  if (!files.cmdline.empty() && files.cmdline.back() == '\n') files.cmdline.pop_back();
  if (files.cmdline.empty() || files.cmdline.find_first_of("\r\n") != std::string::npos ||
      files.cmdline.find('\0') != std::string::npos) {
    return Error::BadInput(cmdline_path.string() + " must hold exactly one non-empty line");
  }
  VIGIL_ASSIGN_OR_RETURN(files.memory_mib, ImageMemory(dir, sums));
  return files;
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
      files.kernel->ChildPath(), "-initrd", files.initramfs->ChildPath(), "-append",
      // microvm has no HPET or ACPI PM timer, so the kernel calibrates the TSC against the
      // PIT, which under TCG on a busy host fails or hangs the boot: tell it the TSC rate
      // (emulated, so any plausible value) and skip the IO-APIC timer check meant for
      // broken firmware. Only for QEMU runs; the image's own command line is unchanged.
      options.machine == Machine::kMicrovm && !kvm
          ? files.cmdline + " no_timer_check tsc_early_khz=2000000"
          : files.cmdline};
  if (!files.ovmf_code.empty()) {
    // No NIC (-nodefaults), so PCR2 holds no option ROM: only the firmware's separator.
    argv.insert(argv.end(),
                {"-M", "q35", "-drive",
                 "if=pflash,format=raw,unit=0,readonly=on,file=" + files.ovmf_code.string(),
                 "-drive", "if=pflash,format=raw,unit=1,file=" + files.ovmf_vars.string()});
    if (options.tpm != nullptr) {
      const std::vector<std::string> tpm = options.tpm->QemuArgs();
      argv.insert(argv.end(), tpm.begin(), tpm.end());
    }
  } else if (options.machine == Machine::kMicrovm) {
    argv.insert(argv.end(), {"-M", "microvm,acpi=on,rtc=on,pit=on,x-option-roms=off"});
  }
  if (options.quorum_host != nullptr) {
    const std::vector<std::string> channel = options.quorum_host->QemuArgs();
    argv.insert(argv.end(), channel.begin(), channel.end());
  }
  if (kvm) {
    argv.insert(argv.end(), {"-enable-kvm", "-cpu", "host"});
  } else {
    // TCG's default CPU model (qemu64) lacks SMEP, SMAP, UMIP, PCID and RDRAND, so the
    // hardened kernel would run without the protections it enables; "max" is every
    // feature TCG emulates. With PCID, pti=on no longer flushes TCG's TLB on every
    // kernel entry, which also makes the boot faster.
    argv.insert(argv.end(), {"-accel", "tcg", "-cpu", "max"});
  }
  return argv;
}

// Parses the status after the prefix: decimal 0..255, no sign, spaces or leading zeros.
bool ParseExitStatus(std::string_view text, int* status) {
  const ScannedNumber<std::uint64_t> value = ScanUnsigned(text, 0, 255, LeadingZeros::kRefused);
  if (!value.ok()) return false;
  *status = static_cast<int>(value.value);
  return true;
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
    std::size_t at = line_.rfind(kExitStatusPrefix);
    if (at != std::string::npos) {
      std::string_view value =
          std::string_view(line_).substr(at + std::char_traits<char>::length(kExitStatusPrefix));
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

void WriteNotice(std::string_view text) {
  std::fprintf(stderr, "vigil: %.*s\n", static_cast<int>(text.size()), text.data());
}

using Sink = std::function<void(std::string_view)>;
using Clock = std::chrono::steady_clock;

// QEMU's stderr during a KVM boot is held back until the guest shows progress, so a KVM
// failure's register dump does not flood the console; at most this much is kept.
constexpr std::size_t kMaxHeldStderr = 64 * 1024;

std::string HowQemuEnded(const Exit& exit) {
  return exit.signal != 0 ? "QEMU was killed by signal " + std::to_string(exit.signal)
                          : "QEMU exited with code " + std::to_string(exit.code);
}

// One QEMU run and what was seen of it.
struct Boot {
  Exit exit;
  ConsoleScanner scanner;
  bool console_seen = false;    // the guest printed something
  std::string qemu_first_line;  // QEMU's first line on stderr (why it could not start)
  // KVM boots only: why KVM is taken to have failed; empty when it ran the guest.
  std::string kvm_failure;
  bool stopped = false;  // QemuOptions::stop was set
};

// Runs QEMU once. The console (QEMU's stdout) goes to `sink` and the scanner; QEMU's own
// messages (stderr) go to `sink` too. A KVM boot is watched: KVM error text on stderr,
// silence on the console for kvm_silence_limit, or an exit before any console byte stop it
// and set kvm_failure. A TCG boot has only the timeout.
Result<Boot> BootOnce(const BootFiles& files, const QemuOptions& options, bool kvm,
                      const Sink& sink) {
  Command command;
  command.argv = QemuArgv(files, options, kvm);
  command.separate_stderr = true;
  command.inherit_stdin = options.interactive;

  Boot boot;
  bool& console_seen = boot.console_seen;
  std::string held;
  KvmFailureDetector detector;
  const auto start = Clock::now();
  Watch watch;
  watch.on_output = [&](Stream stream, std::string_view chunk) {
    if (stream == Stream::kStdout) {
      if (!console_seen && !held.empty()) sink(held);
      console_seen = true;
      held.clear();
      sink(chunk);
      boot.scanner.Feed(chunk);
      return true;
    }
    std::optional<std::string> failure = detector.Feed(chunk);
    if (kvm) {
      if (failure) {
        boot.kvm_failure = "QEMU reported '" + *failure + "'";
        return false;
      }
      if (!console_seen) {
        held.append(chunk.substr(0, kMaxHeldStderr - std::min(held.size(), kMaxHeldStderr)));
        return true;
      }
    }
    sink(chunk);
    return true;
  };
  watch.on_tick = [&] {
    if (options.stop != nullptr && options.stop->load()) {
      boot.stopped = true;
      return false;
    }
    if (options.quorum_host != nullptr && !options.quorum_host->Tick()) return false;
    if (!kvm) return true;
    {
      if (console_seen || Clock::now() - start < options.kvm_silence_limit) return true;
      boot.kvm_failure = "the guest printed nothing on its console for " +
                         std::to_string(options.kvm_silence_limit.count()) + " s";
      return false;
    }
  };
  Result<Exit> exit = RunWatched(command, options.timeout, watch);
  if (!exit.ok()) {
    if (exit.error().code() == ErrorCode::kMissingEnv) {
      return Error::MissingEnv(std::string(kQemu) +
                               " is not installed or not in PATH; run scripts/setup");
    }
    return exit.error().WithContext("cannot start QEMU");
  }
  boot.exit = *exit;
  boot.scanner.Finish();
  boot.qemu_first_line = detector.first_line();
  if (kvm && boot.kvm_failure.empty() && !console_seen) {
    // QEMU ended (or ran out of time) before the guest showed any sign of life.
    std::string how = boot.exit.timed_out ? "QEMU ran out of time" : HowQemuEnded(boot.exit);
    boot.kvm_failure = how + " before the guest printed anything";
    if (!detector.first_line().empty()) boot.kvm_failure += " ('" + detector.first_line() + "')";
  }
  return boot;
}

// Turns a finished boot into the target's status, or explains why there is none.
Result<QemuResult> Conclude(const fs::path& dir, const QemuOptions& options, const Boot& boot,
                            QemuResult result) {
  if (boot.stopped) {
    result.stopped = true;
    return result;
  }
  if (options.quorum_host != nullptr && !options.quorum_host->failure().empty()) {
    return Error::Failed("the quorum channel: " + options.quorum_host->failure() +
                         "; last console lines:\n" + boot.scanner.Tail());
  }
  // A guest that never printed may simply have had too little memory to unpack itself.
  const std::string memory_hint =
      options.memory_mib < 128 ? " (" + std::to_string(options.memory_mib) +
                                     " MiB of memory may be too little for this kernel and "
                                     "initramfs; give more with --memory or the spec's memory_mib)"
                               : "";
  if (boot.exit.timed_out) {
    return Error::Failed("the image in " + dir.string() + " did not finish within " +
                         std::to_string(options.timeout.count()) + " s (QEMU was killed)" +
                         memory_hint + "; last console lines:\n" + boot.scanner.Tail());
  }
  if (!boot.console_seen && boot.exit.signal == 0 && boot.exit.code != 0) {
    // QEMU itself refused (memory the host cannot give, a broken installation): the
    // environment, not the image.
    return Error::MissingEnv(
        "QEMU could not start the guest (" + HowQemuEnded(boot.exit) +
        (boot.qemu_first_line.empty() ? "" : ": '" + boot.qemu_first_line + "'") +
        "); check --memory against the host's free memory and the QEMU "
        "installation (scripts/setup)");
  }
  if (!boot.scanner.exit_status()) {
    std::string how = HowQemuEnded(boot.exit);
    std::string why;
    if (!boot.scanner.bad_exit_line().empty()) {
      why = "vigil-init printed a malformed exit line '" + boot.scanner.bad_exit_line() + "'";
    } else {
      why = "the kernel or vigil-init failed before the target's exit line";
      if (!boot.scanner.panic_line().empty()) why += " (" + boot.scanner.panic_line() + ")";
    }
    return Error::Failed(why + " (" + how + ")" + memory_hint + "; last console lines:\n" +
                         boot.scanner.Tail());
  }
  result.target_exit_status = *boot.scanner.exit_status();
  return result;
}

}  // namespace

Result<QemuResult> RunInQemu(const fs::path& dir, const QemuOptions& requested) {
  if (requested.memory_mib < 0) return Error::BadInput("QEMU memory must be positive");
  QemuOptions options = requested;
  if (options.timeout.count() <= 0) return Error::BadInput("QEMU timeout must be positive");
  if (options.kvm_silence_limit.count() <= 0) {
    return Error::BadInput("the KVM silence limit must be positive");
  }
  VIGIL_ASSIGN_OR_RETURN(BootFiles files, FindBootFiles(dir));
  if (options.memory_mib == 0) options.memory_mib = files.memory_mib;
  std::optional<TempDir> uefi_work;
  if (options.tpm != nullptr) {
    VIGIL_RETURN_IF_ERROR(PrepareUefi(options.tpm->work_dir(), files));
  } else if (options.uefi) {
    VIGIL_ASSIGN_OR_RETURN(TempDir work, TempDir::Create("/tmp", "vigil-uefi."));
    uefi_work.emplace(std::move(work));
    VIGIL_RETURN_IF_ERROR(PrepareUefi(uefi_work->path(), files));
  }
  const Sink sink = options.on_console ? options.on_console : Sink(WriteToStdout);
  const Sink notice = options.on_notice ? options.on_notice : Sink(WriteNotice);

  QemuResult result;
  bool try_kvm = options.accelerator != Accelerator::kTcg;
  if (!try_kvm) result.tcg_reason = "requested";
  if (try_kvm) {
    if (std::optional<std::string> why = KvmUnavailableReason()) {
      if (options.accelerator == Accelerator::kKvm) {
        result.kvm_unusable = *why;
        return result;
      }
      try_kvm = false;
      result.tcg_reason = *why;
    }
  }
  if (try_kvm) {
    const auto started = Clock::now();
    VIGIL_ASSIGN_OR_RETURN(Boot boot, BootOnce(files, options, /*kvm=*/true, sink));
    if (boot.kvm_failure.empty()) {
      result.boot_seconds = std::chrono::duration<double>(Clock::now() - started).count();
      result.accelerator = Accelerator::kKvm;
      return Conclude(dir, options, boot, std::move(result));
    }
    if (options.accelerator == Accelerator::kKvm) {
      result.kvm_unusable = boot.kvm_failure;
      return result;
    }
    notice("KVM failed: " + boot.kvm_failure + "; stopped it, booting again with TCG");
    result.fell_back = true;
    result.tcg_reason = "KVM failed: " + boot.kvm_failure;
  }
  const auto started = Clock::now();
  VIGIL_ASSIGN_OR_RETURN(Boot boot, BootOnce(files, options, /*kvm=*/false, sink));
  result.boot_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.accelerator = Accelerator::kTcg;
  return Conclude(dir, options, boot, std::move(result));
}

}  // namespace vigil::image
