#include "cli/cli_util.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace vigil::cli {

int ReportError(const Error& error) {
  std::cerr << "vigil: error: " << error.message() << "\n";
  return error.exit_code();
}

void PrintJson(const Json& json) { std::cout << json.dump(2) << "\n"; }

bool ProgressWanted() { return ::isatty(STDERR_FILENO) == 1; }

void ShowProgress(const std::string& step) {
  if (ProgressWanted()) std::cerr << "  ... " << step << "\n";
}

std::filesystem::path ExecutableDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : exe.parent_path();
}

}  // namespace vigil::cli
