#include "builder/sandbox.h"

namespace vigil::builder {

Command SandboxCommand(const SandboxSpec& spec) {
  std::vector<std::string> argv = {
      "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--hostname", "vigil-build",
      "--ro-bind", "/usr", "/usr",
      // Debian's merged /usr.
      "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin", "--symlink", "usr/lib",
      "/lib", "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/etc/ld.so.cache",
      "/etc/ld.so.cache",
      // Debian's alternatives: /usr/bin/awk, cc, ld ... are symlinks through it.
      "--ro-bind", "/etc/alternatives", "/etc/alternatives", "--ro-bind", spec.tools_dir.string(),
      "/tools", "--ro-bind", spec.source_dir.string(), "/src", "--bind", spec.out_dir.string(),
      "/out", "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev", "--chdir", "/src",
      "--clearenv", "--setenv", "PATH", "/tools:/usr/bin:/bin", "--setenv", "HOME", "/tmp",
      "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8", "--setenv", "TZ", "UTC",
      "--setenv", "SOURCE_DATE_EPOCH", std::to_string(spec.source_date_epoch)};
  for (const auto& [file, name] : spec.inputs) {
    argv.insert(argv.end(), {"--ro-bind", file.string(), "/inputs/" + name});
  }
  argv.push_back("--");
  if (spec.max_file_size > 0) {
    argv.insert(argv.end(), {"prlimit", "--fsize=" + std::to_string(spec.max_file_size), "--"});
  }
  argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
  Command command;
  command.argv = std::move(argv);
  command.env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"}};
  command.capture_stderr = true;
  return command;
}

}  // namespace vigil::builder
