// Helpers shared by the `vigil` subcommands: error reporting, progress and JSON output.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "base/result.h"

namespace vigil::cli {

using Json = nlohmann::ordered_json;

// Prints "vigil: error: <message>" to stderr and returns the error's exit code.
int ReportError(const Error& error);

// A command's exit code from what it returned: its own code, 0 for an OK status, or the
// code of its error once reported (commands return errors and leave reporting to this).
int ExitCode(const Status& status);
int ExitCode(const Result<int>& code);

// Adds the subcommand `name` to `parent` with a new `Args` for its options, owned by the
// command's callback (so it lives as long as the command); when the command is chosen,
// `run(args)` (a Status or a Result<int>) gives the exit code. Returns the command and its
// arguments to bind options to.
template <typename Args, typename Run>
std::pair<CLI::App*, Args*> AddCommand(CLI::App& parent, const std::string& name,
                                       const std::string& help, int* exit_code, Run run) {
  auto args = std::make_shared<Args>();
  CLI::App* command = parent.add_subcommand(name, help);
  command->callback([args, exit_code, run] { *exit_code = ExitCode(run(*args)); });
  return {command, args.get()};
}

// Prints `json` to stdout, indented, with a final newline.
void PrintJson(const Json& json);

// True when stderr is a terminal: progress is shown only then.
bool ProgressWanted();

// Prints a progress line to stderr when it is a terminal.
void ShowProgress(const std::string& step);
// Prints it always, stamped with the seconds since the first.
void ShowStep(const std::string& step);

// For every integer option that is a count, index or size (with `->transform(...)`): only
// decimal digits, at most 2^64 - 1. CLI11 alone parses with strtoull in base 0, so "-1"
// became 18446744073709551615, "010" was octal and 2^64 was clamped; all are refused (exit
// 2) here. Leading zeros are dropped, so "010" is ten.
CLI::Validator NonNegativeInteger();

// The directory holding the running `vigil` binary (to find vigil-init beside it). Fails
// (kMissingEnv) without /proc rather than guessing the working directory.
Result<std::filesystem::path> ExecutableDir();

}  // namespace vigil::cli
