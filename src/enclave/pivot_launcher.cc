#include "enclave/pivot_launcher.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace vigil::enclave {
namespace {

[[noreturn]] void ExecPivot(const PivotLaunch& pivot) {
  std::vector<std::string> storage{pivot.program.string()};
  storage.insert(storage.end(), pivot.args.begin(), pivot.args.end());
  std::vector<std::string> env_storage;
  for (const auto& [name, value] : pivot.env) env_storage.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  if (!pivot.debug_mode) {
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
  }
  execve(argv[0], argv.data(), envp.data());
  std::fprintf(stderr, "vigil-enclave: cannot start the pivot %s: %s\n", argv[0],
               std::strerror(errno));
  _exit(127);
}

[[noreturn]] void Supervise(const PivotLaunch& pivot) {
  do {
    const pid_t child = fork();
    if (child == 0) ExecPivot(pivot);
    if (child < 0) _exit(1);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    std::fprintf(stderr, "vigil-enclave: the pivot exited (%s %d)%s\n",
                 WIFEXITED(status) ? "status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                 pivot.restart_always ? "; restarting it (restart policy Always)" : "");
    if (pivot.restart_always) sleep(1);
  } while (pivot.restart_always);
  _exit(0);
}

}  // namespace

Result<pid_t> LaunchPivot(const PivotLaunch& pivot) {
  std::fflush(nullptr);
  const pid_t supervisor = fork();
  if (supervisor < 0) return Error::Failed(std::string("fork: ") + std::strerror(errno));
  if (supervisor == 0) Supervise(pivot);
  return supervisor;
}

}  // namespace vigil::enclave
