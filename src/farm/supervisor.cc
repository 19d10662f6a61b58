#include "farm/supervisor.h"

#include <signal.h>
#include <sys/wait.h>

#include <limits>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/strict_number.h"
#include "base/subprocess.h"

namespace vigil::farm {
namespace {

constexpr auto kPoll = std::chrono::milliseconds(50);

struct RoleCommand {
  std::vector<std::string> argv;
  std::string ready;  // printed once the role serves
};

RoleCommand CommandFor(const FarmLayout& farm, const fs::path& bin, const std::string& role) {
  if (role == "gateway") {
    return {{(bin / "vigil-gateway").string(), "--config", farm.gateway_config().string()},
            " on http://"};
  }
  if (role != "ledger") {
    return {{(bin / ("vigil-" + role)).string(), "--config",
             (role == "signer" ? farm.signer_config() : farm.builder_config()).string()},
            "listening on"};
  }
  const fs::path ca = farm.ca();
  return {{(bin / "vigil-ledger").string(), "--dir", farm.ledger_dir().string(), "--listen",
           "unix:" + farm.socket("ledger").string(), "--http", "127.0.0.1:0", "--cert",
           (ca / "ledger.crt").string(), "--key", (ca / "ledger.key").string(), "--ca",
           (ca / "ca.crt").string(), "--policy", farm.policy("ledger").string(), "--audit-log",
           (farm.logs() / "ledger-audit.log").string(), "--witness-policy",
           farm.witness_policy().string()},
          " on http://"};
}

bool Alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

std::string ReadLog(const fs::path& log, std::uintmax_t from) {
  auto bytes = ReadFile(log, 16 << 20);
  if (!bytes.ok() || bytes->size() < from) return {};
  return std::string(bytes->begin() + static_cast<std::ptrdiff_t>(from), bytes->end());
}

// Waits for `ready` in what the role printed since `offset`.
Result<std::string> AwaitReady(const FarmLayout& farm, const std::string& role, pid_t pid,
                               const std::string& ready, std::uintmax_t offset,
                               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string output = ReadLog(farm.log(role), offset);
    if (const std::size_t at = output.find(ready); at != std::string::npos) {
      return output.substr(at, output.find('\n', at) - at);
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      std::error_code ec;
      fs::remove(farm.pid_file(role), ec);
      return Error::Failed("vigil-" + role + " exited at start: " + output);
    }
    std::this_thread::sleep_for(kPoll);
  }
  ::kill(pid, SIGTERM);
  return Error::Failed(
      "vigil-" + role + " did not come up within " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) +
      " s; see " + farm.log(role).string());
}

}  // namespace

Result<pid_t> ReadPid(const fs::path& file) {
  auto bytes = ReadFile(file, 64);
  if (!bytes.ok()) return bytes.error();
  std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  text = first == std::string_view::npos
             ? std::string_view()
             : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
  const ScannedNumber<std::uint64_t> pid =
      ScanUnsigned(text, 1, static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()));
  if (!pid.ok()) return Error::BadInput(file.string() + " does not hold a process id");
  return static_cast<pid_t>(pid.value);
}

std::optional<pid_t> RunningPid(const FarmLayout& farm, const std::string& role) {
  auto pid = ReadPid(farm.pid_file(role));
  if (!pid.ok() || !Alive(*pid)) return std::nullopt;
  return *pid;
}

Result<std::string> StartRole(const FarmLayout& farm, const fs::path& bin, const std::string& role,
                              std::chrono::milliseconds timeout) {
  const RoleCommand command = CommandFor(farm, bin, role);
  std::error_code ec;
  const std::uintmax_t offset = fs::exists(farm.log(role)) ? fs::file_size(farm.log(role), ec) : 0;
  auto pid = StartDetached({.argv = command.argv}, farm.log(role));
  if (!pid.ok()) return pid.error().WithContext("cannot start " + role);
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(farm.pid_file(role), AsBytes(std::to_string(*pid))));
  VIGIL_ASSIGN_OR_RETURN(std::string line,
                         AwaitReady(farm, role, *pid, command.ready, offset, timeout));
  if (role == "ledger" || role == "gateway") {
    std::string url = line.substr(line.find("http://"));
    if (const std::size_t hooks = url.find("/hooks/"); hooks != std::string::npos) {
      url.resize(hooks);  // the gateway names its hook path
    }
    VIGIL_RETURN_IF_ERROR(WriteFileAtomic(role == "ledger" ? farm.ledger_url() : farm.gateway_url(),
                                          AsBytes(url + "\n")));
  }
  return line;
}

bool StopRole(const FarmLayout& farm, const std::string& role, std::chrono::milliseconds timeout) {
  std::error_code ec;
  const std::optional<pid_t> pid = RunningPid(farm, role);
  if (!pid) {
    fs::remove(farm.pid_file(role), ec);
    return false;
  }
  ::kill(*pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Alive(*pid) && std::chrono::steady_clock::now() < deadline) {
    ::waitpid(*pid, nullptr, WNOHANG);  // reaps it when it is our own child
    std::this_thread::sleep_for(kPoll);
  }
  if (Alive(*pid)) ::kill(*pid, SIGKILL);
  fs::remove(farm.pid_file(role), ec);
  return true;
}

}  // namespace vigil::farm
