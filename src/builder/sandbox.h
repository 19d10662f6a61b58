// The build sandbox: bubblewrap with every namespace unshared (so no network: only a
// private loopback), the system's /usr (with /etc/alternatives, its symlinks), the Vigil
// tools, the source and the component's pinned inputs (under /inputs) read-only, a private
// /tmp, the output directory the only writable place, a fixed environment, and no way back
// to the builder (new session, dies with it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/subprocess.h"

namespace vigil::builder {

struct SandboxSpec {
  std::filesystem::path source_dir;  // mounted read-only at /src (the working directory)
  std::filesystem::path tools_dir;   // mounted read-only at /tools, first in PATH
  std::filesystem::path out_dir;     // mounted read-write at /out
  // Verified external inputs: (file outside, NAME), mounted read-only at /inputs/NAME.
  std::vector<std::pair<std::filesystem::path, std::string>> inputs;
  std::vector<std::string> argv;  // run inside
  std::int64_t source_date_epoch = 0;
  std::uint64_t max_file_size = 0;  // RLIMIT_FSIZE inside, in bytes (0: none)
};

// The bwrap command line (stderr merged into stdout, so the log has both).
Command SandboxCommand(const SandboxSpec& spec);

}  // namespace vigil::builder
