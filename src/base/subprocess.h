// Running child processes without a shell: argv in, exit status and output out.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil {

struct Command {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH when it has no '/'
  // When set, the child's environment is exactly this; otherwise it inherits ours.
  std::optional<std::map<std::string, std::string>> env;
  std::string working_dir;      // empty: inherit
  bool capture_stderr = false;  // merge stderr into the captured/streamed output
  // RunWatched only: deliver stderr as its own stream (Stream::kStderr) instead.
  bool separate_stderr = false;
  // Give the child our standard input (for interactive consoles); otherwise /dev/null.
  // An interactive child stays in our process group so it may read the terminal.
  bool inherit_stdin = false;
};

struct Exit {
  int code = 0;    // exit code when the child exited normally
  int signal = 0;  // the signal that killed it, or 0
  bool timed_out = false;
  bool stopped = false;  // the output callback asked to stop it (it was killed)
  bool ok() const { return !timed_out && !stopped && signal == 0 && code == 0; }
};

struct RunOutput {
  Exit exit;
  std::string output;  // stdout (and stderr when capture_stderr)
};

// Runs `command`, collecting its standard output. Kills it (SIGKILL, whole process group)
// after `timeout`, also when it closed its output but lingers. Fails when the program is
// not in PATH or no process can be started; an exec failure of an explicit path shows as
// exit code 127, as in a shell.
Result<RunOutput> Run(const Command& command,
                      std::chrono::milliseconds timeout = std::chrono::hours(1));

// Runs `command` and calls `on_output` with each chunk of its standard output as it
// arrives (for live consoles). When `on_output` returns false the child (its whole process
// group) is killed and Exit::stopped is set. Returns how the child ended.
Result<Exit> RunStreaming(const Command& command, std::chrono::milliseconds timeout,
                          const std::function<bool(std::string_view)>& on_output);

enum class Stream { kStdout, kStderr };

// What RunWatched reports to, and how often it asks whether to go on.
struct Watch {
  // Each chunk of output as it arrives, with the stream it came from; returning false
  // kills the child (its whole process group) and sets Exit::stopped.
  std::function<bool(Stream, std::string_view)> on_output;
  // Called every `tick` while the child runs, output or not; returning false stops it as
  // above. For watchdogs that act on silence.
  std::function<bool()> on_tick;
  std::chrono::milliseconds tick{100};
};

// Runs `command` like RunStreaming, with stderr apart when command.separate_stderr and
// a periodic tick. Returns how the child ended.
Result<Exit> RunWatched(const Command& command, std::chrono::milliseconds timeout,
                        const Watch& watch);

// Starts `command` as a daemon and returns at once: its own session, standard input from
// /dev/null, standard output and error appended to `output` (created 0644). The caller
// reaps it (waitpid) if it ends while the caller runs. An exec failure shows as exit 127.
Result<pid_t> StartDetached(const Command& command, const std::filesystem::path& output);

// Finds an executable in PATH; empty when absent.
std::string FindExecutable(const std::string& name);

}  // namespace vigil
