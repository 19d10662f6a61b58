// The farm's role processes (vigil-ledger, vigil-signer, vigil-gateway, vigil-builder): each a
// daemon in its own session, its output appended to logs/ROLE.log and its pid in run/ROLE.pid.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"
#include "farm/layout.h"

namespace vigil::farm {

// The roles in the order they start (each needs the ones before: the gateway records to the
// ledger, the builder tells the gateway); they stop in reverse.
inline constexpr const char* kRoles[] = {"ledger", "signer", "gateway", "builder"};

inline constexpr std::chrono::milliseconds kStartTimeout{20'000};
inline constexpr std::chrono::milliseconds kStopTimeout{15'000};

// The process id in `file`: decimal digits, with the surrounding whitespace a shell's
// `echo $! > FILE` or an editor adds. BadInput otherwise.
Result<pid_t> ReadPid(const std::filesystem::path& file);

// The pid of ROLE when its pid file names a live process.
std::optional<pid_t> RunningPid(const FarmLayout& farm, const std::string& role);

// Starts vigil-ROLE from `bin` with the farm's files and waits until it printed the line
// that says it serves, which it returns; for the ledger and the gateway, the web address is
// saved to run/ledger.url and run/gateway.url. Failed, with what it printed, when it exits first or
// stays silent for `timeout` (then it is stopped).
Result<std::string> StartRole(const FarmLayout& farm, const std::filesystem::path& bin,
                              const std::string& role,
                              std::chrono::milliseconds timeout = kStartTimeout);

// Stops ROLE: SIGTERM, then SIGKILL after `timeout`; removes its pid file. False when it
// was not running.
bool StopRole(const FarmLayout& farm, const std::string& role,
              std::chrono::milliseconds timeout = kStopTimeout);

}  // namespace vigil::farm
