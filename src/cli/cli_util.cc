#include "cli/cli_util.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "base/printable.h"
#include "base/strict_number.h"

namespace vigil::cli {

int ReportError(const Error& error) {
  // Messages quote input (names, files, a guest's console): never let it drive the terminal.
  std::cerr << "vigil: error: " << PrintableLines(error.message()) << "\n";
  return error.exit_code();
}

int ExitCode(const Status& status) { return status.ok() ? 0 : ReportError(status.error()); }

int ExitCode(const Result<int>& code) { return code.ok() ? *code : ReportError(code.error()); }

void PrintJson(const Json& json) {
  // Paths need not be UTF-8; replace invalid bytes rather than throw.
  std::cout << json.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

bool ProgressWanted() { return ::isatty(STDERR_FILENO) == 1; }

void ShowProgress(const std::string& step) {
  if (ProgressWanted()) ShowStep(step);
}

void ShowStep(const std::string& step) {
  static const auto start = std::chrono::steady_clock::now();
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "[%6.2f s] ", elapsed.count());
  std::cerr << stamp << step << "\n";
}

CLI::Validator NonNegativeInteger() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        const ScannedNumber<std::uint64_t> number = ScanUnsigned(value);
        if (number.problem == NumberProblem::kOutOfRange) {
          return value + " is too large: at most " + std::to_string(kMaxUint64);
        }
        if (!number.ok()) {
          return "'" + value + "' is not a non-negative integer (decimal digits only)";
        }
        value = std::to_string(number.value);  // without leading zeros, for CLI11
        return std::string();
      },
      "UINT", "NonNegativeInteger");
}

Result<std::filesystem::path> ExecutableDir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec || exe.empty()) {
    return Error::MissingEnv(
        "cannot find the vigil binary's directory (is /proc mounted?); "
        "name vigil-init with [init] path in the spec");
  }
  return exe.parent_path();
}

}  // namespace vigil::cli
