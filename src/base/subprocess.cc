#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

namespace vigil {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;        // only with Command::separate_stderr
  bool own_group = true;  // the child leads its own process group
};

// What exec needs, built before fork: the child may only call async-signal-safe functions.
struct ExecPlan {
  std::string exe;
  std::vector<char*> argv;
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  bool with_env = false;

  [[noreturn]] void Exec() const {
    if (with_env) {
      ::execve(exe.c_str(), argv.data(), envp.data());
    } else {
      ::execv(exe.c_str(), argv.data());
    }
    _exit(127);
  }
};

// Fills `plan` in place (envp points into env_strings, so it must not be copied).
Status PlanExec(const Command& command, ExecPlan& plan) {
  if (command.argv.empty()) return Error::BadInput("no command to run");
  plan.exe = command.argv[0];
  if (plan.exe.find('/') == std::string::npos) {
    plan.exe = FindExecutable(plan.exe);
    if (plan.exe.empty()) {
      return Error::MissingEnv(command.argv[0] +
                               " is not installed or not in PATH; run scripts/setup");
    }
  }
  for (const auto& a : command.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  if (command.env) {
    plan.with_env = true;
    for (const auto& [k, v] : *command.env) plan.env_strings.push_back(k + "=" + v);
    for (auto& s : plan.env_strings) plan.envp.push_back(s.data());
    plan.envp.push_back(nullptr);
  }
  return OkStatus();
}

Result<Child> Start(const Command& command) {
  ExecPlan plan;
  VIGIL_RETURN_IF_ERROR(PlanExec(command, plan));
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Error::Failed("cannot create a pipe");
  int errfd[2] = {-1, -1};
  if (command.separate_stderr && ::pipe2(errfd, O_CLOEXEC) != 0) {
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return Error::Failed("cannot create a pipe");
  }
  auto close_all = [&] {
    for (int fd : {pipefd[0], pipefd[1], errfd[0], errfd[1]}) {
      if (fd >= 0) ::close(fd);
    }
  };
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    close_all();
    return Error::Failed(std::string("cannot fork: ") + std::strerror(saved));
  }
  if (pid == 0) {
    if (!command.inherit_stdin) ::setpgid(0, 0);
    ::dup2(pipefd[1], STDOUT_FILENO);
    if (command.separate_stderr) {
      ::dup2(errfd[1], STDERR_FILENO);
    } else if (command.capture_stderr) {
      ::dup2(pipefd[1], STDERR_FILENO);
    }
    if (!command.inherit_stdin) {
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    }
    if (!command.working_dir.empty() && ::chdir(command.working_dir.c_str()) != 0) _exit(126);
    plan.Exec();
  }
  if (!command.inherit_stdin) ::setpgid(pid, pid);
  ::close(pipefd[1]);
  if (errfd[1] >= 0) ::close(errfd[1]);
  return Child{pid, pipefd[0], errfd[0], !command.inherit_stdin};
}

void KillChild(const Child& child) { ::kill(child.own_group ? -child.pid : child.pid, SIGKILL); }

Exit DecodeStatus(int status, bool timed_out) {
  Exit exit;
  exit.timed_out = timed_out;
  if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  return exit;
}

// Waits for the child until `deadline` (it may close its output and keep running), then
// kills it.
Exit Reap(const Child& child, Clock::time_point deadline, bool timed_out) {
  int status = 0;
  for (;;) {
    pid_t done = ::waitpid(child.pid, &status, timed_out ? 0 : WNOHANG);
    if (done == child.pid) return DecodeStatus(status, timed_out);
    if (done < 0 && errno != EINTR) return DecodeStatus(0, timed_out);
    if (done == 0 && Clock::now() >= deadline) {
      timed_out = true;
      KillChild(child);
      continue;
    }
    if (done == 0) ::usleep(5000);
  }
}

}  // namespace

std::string FindExecutable(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

Result<pid_t> StartDetached(const Command& command, const std::filesystem::path& output) {
  ExecPlan plan;
  VIGIL_RETURN_IF_ERROR(PlanExec(command, plan));
  const std::string output_path = output.string();
  const pid_t pid = ::fork();
  if (pid < 0) return Error::Failed(std::string("cannot fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setsid();
    const int out = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || null < 0) _exit(127);
    ::dup2(null, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    if (!command.working_dir.empty() && ::chdir(command.working_dir.c_str()) != 0) _exit(126);
    plan.Exec();
  }
  return pid;
}

Result<Exit> RunWatched(const Command& command, std::chrono::milliseconds timeout,
                        const Watch& watch) {
  VIGIL_ASSIGN_OR_RETURN(Child child, Start(command));
  auto deadline = Clock::now() + timeout;
  auto next_tick = Clock::now() + watch.tick;
  bool timed_out = false;
  bool stopped = false;
  std::optional<Error> failure;
  char buf[65536];
  // Index 0 is stdout, 1 stderr; a stream that ended is -1 and ignored by poll.
  pollfd pfds[2] = {{child.out_fd, POLLIN, 0}, {child.err_fd, POLLIN, 0}};
  const Stream streams[2] = {Stream::kStdout, Stream::kStderr};
  auto stop = [&] {
    stopped = true;
    KillChild(child);
  };
  while (pfds[0].fd >= 0 || pfds[1].fd >= 0) {
    auto now = Clock::now();
    if (now >= deadline) {
      timed_out = true;
      KillChild(child);
      break;
    }
    if (watch.on_tick && now >= next_tick) {
      next_tick = now + watch.tick;
      if (!watch.on_tick()) {
        stop();
        break;
      }
    }
    auto until = std::min(deadline, watch.on_tick ? next_tick : now + std::chrono::seconds(1));
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count();
    int r = ::poll(pfds, 2, static_cast<int>(std::clamp<long long>(wait, 0, 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      failure = Error::Failed(std::string("cannot wait for output: ") + std::strerror(errno));
      KillChild(child);
      break;
    }
    for (int i = 0; i < 2 && !stopped; ++i) {
      if (pfds[i].fd < 0 || pfds[i].revents == 0) continue;
      ssize_t n = ::read(pfds[i].fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        pfds[i].fd = -1;  // closed (or failed): this stream has ended
        continue;
      }
      if (!watch.on_output(streams[i], std::string_view(buf, static_cast<std::size_t>(n)))) {
        stop();
      }
    }
    if (stopped) break;
  }
  ::close(child.out_fd);
  if (child.err_fd >= 0) ::close(child.err_fd);
  Exit exit = Reap(child, deadline, timed_out);
  exit.stopped = stopped;
  if (failure) return *failure;
  return exit;
}

Result<Exit> RunStreaming(const Command& command, std::chrono::milliseconds timeout,
                          const std::function<bool(std::string_view)>& on_output) {
  return RunWatched(command, timeout, Watch{.on_output = [&](Stream, std::string_view chunk) {
                      return on_output(chunk);
                    }});
}

Result<RunOutput> Run(const Command& command, std::chrono::milliseconds timeout) {
  RunOutput result;
  VIGIL_ASSIGN_OR_RETURN(result.exit, RunStreaming(command, timeout, [&](std::string_view chunk) {
                           result.output.append(chunk);
                           return true;
                         }));
  return result;
}

}  // namespace vigil
