// vigil-init: PID 1 of a Vigil image. Mounts the kernel filesystems, runs the target named
// in the image, reports how it ended on the console and powers the machine off.
// PID 1 must never exit (the kernel would panic), so every path ends in PowerOff().

#include <fcntl.h>
#include <signal.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/layout.h"
#include "init/console.h"
#include "init/kernel_report.h"
#include "init/mounts.h"
#include "init/target_argv.h"

namespace vigil::init {
namespace {

// Reported when the target could not be started at all.
constexpr int kCannotStartStatus = 255;
constexpr char kShellPath[] = "/bin/sh";

// Fixed, so nothing from the kernel command line leaks into the target.
char kPath[] = "PATH=/bin:/sbin:/usr/bin";
char kHome[] = "HOME=/";
char kTerm[] = "TERM=linux";
char* const kEnvironment[] = {kPath, kHome, kTerm, nullptr};

[[noreturn]] void PowerOff() {
  // Stop whatever the target left behind so nothing writes while we shut down.
  ::kill(-1, SIGKILL);
  ::sync();
  ::reboot(RB_POWER_OFF);
  Say(std::string("power-off failed: ") + std::strerror(errno));
  for (;;) ::pause();
}

void PrintExitStatus(int status) {
  WriteConsole(std::string(image::kExitStatusPrefix) + std::to_string(status) + "\n");
}

[[noreturn]] void Fail(const Error& error) {
  Say(error.message());
  PrintExitStatus(kCannotStartStatus);
  PowerOff();
}

// Forks and execs `path` with `argv`. An exec failure comes back through a close-on-exec
// pipe, so it is told apart from a target that itself exits with 255.
Result<pid_t> Spawn(const char* path, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    return Error::Failed(std::string("pipe: ") + std::strerror(errno));
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return Error::Failed(std::string("fork: ") + std::strerror(saved));
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    ::execve(path, args.data(), kEnvironment);
    int err = errno;
    ssize_t ignored = ::write(pipefd[1], &err, sizeof(err));
    (void)ignored;
    _exit(kCannotStartStatus);
  }
  ::close(pipefd[1]);
  int err = 0;
  ssize_t n;
  do {
    n = ::read(pipefd[0], &err, sizeof(err));
  } while (n < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (n > 0) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return Error::Failed(std::string("cannot execute ") + path + ": " + std::strerror(err));
  }
  return pid;
}

// Reaps every child (orphans are re-parented to PID 1) until `pid` ends; returns its status
// as the shell reports it: the exit code, or 128 + the signal number.
Result<int> WaitFor(pid_t pid) {
  for (;;) {
    int wstatus = 0;
    pid_t done = ::waitpid(-1, &wstatus, 0);
    if (done < 0) {
      if (errno == EINTR) continue;
      return Error::Failed(std::string("waitpid: ") + std::strerror(errno));
    }
    if (done != pid) continue;
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  }
}

// Debug images only: a shell on the console after the target ended.
void RunDebugShell() {
  Say("debug image: starting a shell on the console; exit it to power off");
  std::vector<std::string> argv = {"sh"};
  Result<pid_t> shell = Spawn(kShellPath, argv);
  // /bin/sh may be absent when busybox was installed without its links.
  if (!shell.ok()) shell = Spawn(image::kBusyboxPath, argv);
  if (!shell.ok()) {
    Say(shell.error().message());
    return;
  }
  Result<int> status = WaitFor(*shell);
  if (!status.ok()) Say(status.error().message());
}

[[noreturn]] void Main() {
  ::umask(022);
  if (::chdir("/") != 0) Fail(Error::Failed(std::string("chdir /: ") + std::strerror(errno)));
  Status mounted = MountEarlyFilesystems();
  if (!mounted.ok()) Fail(mounted.error());
  Status console = OpenConsole();
  if (!console.ok()) Fail(console.error());
  WriteConsole(image::kStartedLine);
  ReportKernel();
  if (!NitroHeartbeat()) Fail(Error::Failed("a Nitro enclave must answer its heartbeat"));

  // A quorum image runs vigil-enclave, which starts the target once the quorum key is in
  // place (docs/SPEC-enclave.md); its exit ends the image as the target's would.
  const bool quorum = ::access(image::kEnclaveArgvPath, F_OK) == 0;
  if (quorum) Say("quorum image: starting vigil-enclave; it starts the target when provisioned");
  Result<std::vector<std::string>> argv =
      ReadTargetArgv(quorum ? image::kEnclaveArgvPath : image::kTargetArgvPath);
  if (!argv.ok()) Fail(argv.error().WithContext("cannot start the target"));
  Result<pid_t> target = Spawn((*argv)[0].c_str(), *argv);
  if (!target.ok()) Fail(target.error().WithContext("cannot start the target"));
  Result<int> status = WaitFor(*target);
  if (!status.ok()) Fail(status.error());
  PrintExitStatus(*status);

  if (::access(image::kDebugMarkerPath, F_OK) == 0) RunDebugShell();
  PowerOff();
}

}  // namespace
}  // namespace vigil::init

int main() {
  // Run anywhere else, as root, this would power off the machine.
  if (::getpid() != 1) {
    vigil::init::Say("must run as PID 1 inside a Vigil image");
    return 2;
  }
  vigil::init::Main();
}
