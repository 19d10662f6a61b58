#include "cli/farm_commands.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <iostream>
#include <limits>
#include <thread>

#include "base/file.h"
#include "base/strict_number.h"
#include "cli/cli_util.h"
#include "cli/farm_layout.h"
#include "rpc/call_client.h"

namespace vigil::cli {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kStopTimeout = std::chrono::seconds(15);
const char* const kRoles[] = {"ledger", "signer", "builder"};

std::string DefaultFarmDir() { return ".vigil-farm"; }

Result<pid_t> ReadPid(const fs::path& file) {
  auto bytes = ReadFile(file, 64);
  if (!bytes.ok()) return bytes.error();
  // Digits, with the surrounding whitespace a shell's `echo $! > FILE` or an editor adds.
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

bool Alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

std::string ReadLog(const fs::path& log, std::uintmax_t from) {
  auto bytes = ReadFile(log, 16 << 20);
  if (!bytes.ok() || bytes->size() < from) return {};
  return std::string(bytes->begin() + static_cast<std::ptrdiff_t>(from), bytes->end());
}

// Starts ROLE in its own session with its output appended to its log, and waits until it
// printed `ready` (the line it prints once it serves).
Result<std::string> StartRole(const FarmLayout& farm, const std::string& role,
                              const std::vector<std::string>& argv, const std::string& ready) {
  std::error_code ec;
  const std::uintmax_t offset = fs::exists(farm.log(role)) ? fs::file_size(farm.log(role), ec) : 0;
  const pid_t pid = ::fork();
  if (pid < 0) return Error::Failed("cannot start " + role + ": fork failed");
  if (pid == 0) {
    ::setsid();
    const int log = ::open(farm.log(role).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null < 0) ::_exit(127);
    ::dup2(null, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(farm.pid_file(role), AsBytes(std::to_string(pid))));
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string output = ReadLog(farm.log(role), offset);
    if (const std::size_t at = output.find(ready); at != std::string::npos) {
      return output.substr(at, output.find('\n', at) - at);
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      fs::remove(farm.pid_file(role), ec);
      return Error::Failed("vigil-" + role + " exited at start: " + output);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGTERM);
  return Error::Failed("vigil-" + role + " did not come up within " +
                       std::to_string(kStartTimeout.count()) + " s; see " +
                       farm.log(role).string());
}

int Up(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (fs::exists(farm.dir) && !fs::is_directory(farm.dir)) {
    return ReportError(Error::BadInput(dir + " exists and is not a directory"));
  }
  auto bin = ExecutableDir();
  if (!bin.ok()) return ReportError(bin.error());
  const bool first = !fs::exists(farm.builder_config());
  if (!first) {
    if (Status farm_ok = CheckFarm(farm); !farm_ok.ok()) return ReportError(farm_ok.error());
  }
  Status created = CreateFarm(farm, *bin);
  if (!created.ok()) return ReportError(created.error().WithContext("cannot create the farm"));
  if (first) std::cout << "farm: created " << farm.dir.string() << "\n";
  const fs::path ca = farm.ca();
  for (const std::string role : kRoles) {
    if (auto pid = ReadPid(farm.pid_file(role)); pid.ok() && Alive(*pid)) {
      std::cout << "farm: " << role << " is running (pid " << *pid << ")\n";
      continue;
    }
    std::vector<std::string> argv;
    std::string ready = "listening on";
    if (role == "ledger") {
      argv = {(*bin / "vigil-ledger").string(),
              "--dir",
              farm.ledger_dir().string(),
              "--listen",
              "unix:" + farm.socket("ledger").string(),
              "--http",
              "127.0.0.1:0",
              "--cert",
              (ca / "ledger.crt").string(),
              "--key",
              (ca / "ledger.key").string(),
              "--ca",
              (ca / "ca.crt").string(),
              "--policy",
              farm.policy("ledger").string(),
              "--audit-log",
              (farm.logs() / "ledger-audit.log").string()};
      ready = " on http://";
    } else {
      argv = {(*bin / ("vigil-" + role)).string(), "--config",
              (role == "signer" ? farm.signer_config() : farm.builder_config()).string()};
    }
    auto line = StartRole(farm, role, argv, ready);
    if (!line.ok()) return ReportError(line.error());
    if (role == "ledger") {
      const std::string url = line->substr(line->find("http://"));
      Status saved = WriteFileAtomic(farm.ledger_url(), AsBytes(url + "\n"));
      if (!saved.ok()) return ReportError(saved.error());
    }
    std::cout << "farm: started " << role << "\n";
  }
  auto url = ReadFile(farm.ledger_url(), 1024);
  std::cout << "farm: the ledger's web page is "
            << (url.ok() ? std::string(url->begin(), url->end()) : std::string("unknown\n"));
  std::cout << "farm: components go in " << farm.builder_config().string()
            << "; build one with `vigil build NAME --farm " << dir << "`\n";
  return 0;
}

int Status_(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(Error::BadInput(dir + " is not a farm: run `vigil farm up " + dir + "`"));
  }
  bool all = true;
  for (const std::string role : kRoles) {
    auto pid = ReadPid(farm.pid_file(role));
    const bool alive = pid.ok() && Alive(*pid);
    all = all && alive;
    std::cout << role << ": " << (alive ? "running (pid " + std::to_string(*pid) + ")" : "stopped")
              << "\n";
  }
  auto url = ReadFile(farm.ledger_url(), 1024);
  if (all && url.ok()) std::cout << "ledger web page: " << std::string(url->begin(), url->end());
  return all ? 0 : 1;
}

int Down(const std::string& dir) {
  const FarmLayout farm(fs::absolute(dir));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(Error::BadInput(dir + " is not a farm (no builder.toml there)"));
  }
  for (const std::string role : {"builder", "signer", "ledger"}) {
    auto pid = ReadPid(farm.pid_file(role));
    std::error_code ec;
    if (!pid.ok() || !Alive(*pid)) {
      fs::remove(farm.pid_file(role), ec);
      continue;
    }
    ::kill(*pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    while (Alive(*pid) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (Alive(*pid)) ::kill(*pid, SIGKILL);
    fs::remove(farm.pid_file(role), ec);
    std::cout << "farm: stopped " << role << "\n";
  }
  return 0;
}

struct BuildArgs {
  std::string component;
  std::string farm = DefaultFarmDir();
  bool json = false;
};

// Triggers the build and prints its log as it arrives.
int Build(const BuildArgs& args) {
  const FarmLayout farm(fs::absolute(args.farm));
  if (!fs::exists(farm.builder_config())) {
    return ReportError(
        Error::BadInput(args.farm + " is not a farm: run `vigil farm up " + args.farm + "`"));
  }
  auto builder = rpc::MakePeer(
      "unix:" + farm.socket("builder").string(),
      {farm.ca() / "operator.crt", farm.ca() / "operator.key", farm.ca() / "ca.crt"}, "builder");
  if (!builder.ok()) return ReportError(builder.error());
  // A build streams its log for as long as it runs.
  builder->options.limits.idle_timeout = std::chrono::hours(2);
  builder->options.limits.total_timeout = std::chrono::hours(24);
  auto url_bytes = ReadFile(farm.ledger_url(), 1024);
  std::string url = url_bytes.ok() ? std::string(url_bytes->begin(), url_bytes->end()) : "";
  while (!url.empty() && url.back() == '\n') url.pop_back();

  asio::io_context io;
  int exit_code = 1;
  std::string result_line;
  auto run = [&]() -> asio::awaitable<void> {
    const rpc::CallRequest request{"vigil.TriggerBuild", args.component};
    auto call = co_await rpc::ClientCall::Open(io.get_executor(), builder->address, request,
                                               builder->tls, builder->options);
    if (!call.ok()) {
      exit_code = ReportError(call.error().code() == ErrorCode::kMissingEnv
                                  ? call.error().WithContext("the farm's builder is not running "
                                                             "(start it with `vigil farm up " +
                                                             args.farm + "`)")
                                  : call.error());
      co_return;
    }
    (void)co_await (*call)->CloseWrite();
    std::string pending;
    while (true) {
      auto event = co_await (*call)->Read();
      if (!event.ok()) {
        exit_code = ReportError(event.error());
        break;
      }
      if (event->kind == rpc::CallEvent::Kind::kData) {
        pending += event->data;
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
          const std::string line = pending.substr(0, newline);
          pending.erase(0, newline + 1);
          if (line.starts_with("log ")) {
            if (!args.json) std::cout << line.substr(4) << "\n" << std::flush;
          } else if (line.starts_with("build ")) {
            if (!args.json) {
              std::cout << "build " << line.substr(6)
                        << (url.empty() ? ""
                                        : " (live: " + url + "/builds/" + line.substr(6) + "/live)")
                        << "\n";
            }
          } else if (line.starts_with("result ")) {
            result_line = line.substr(7);
          }
        }
      }
      if (event->kind == rpc::CallEvent::Kind::kExit) {
        exit_code = event->exit_code;
        if (exit_code != 0) std::cerr << "vigil: build failed: " << event->message << "\n";
        break;
      }
    }
    co_await (*call)->Close();
  };
  try {
    asio::co_spawn(io, run(), asio::detached);
    io.run();
  } catch (const std::exception& e) {
    return ReportError(Error::Failed(std::string("the call failed: ") + e.what()));
  }
  if (exit_code != 0) return exit_code;
  const auto result = nlohmann::json::parse(result_line, nullptr, false);
  if (!result.is_object()) return ReportError(Error::Failed("the builder sent no result"));
  if (args.json) {
    std::cout << result.dump(2) << "\n";
    return 0;
  }
  std::cout << "built " << result.value("component", "") << " " << result.value("version", "")
            << " (commit " << result.value("commit", "").substr(0, 12) << "): ledger entry "
            << result.value("ledger_index", 0) << ", signed artifacts in "
            << result.value("published", "") << "\n";
  return 0;
}

}  // namespace

void AddFarmCommands(CLI::App& app, int* exit_code) {
  CLI::App* farm = app.add_subcommand("farm", "Run the build farm on this machine");
  farm->require_subcommand(1);
  auto dir = std::make_shared<std::string>(DefaultFarmDir());
  CLI::App* up = farm->add_subcommand(
      "up",
      "Create the farm in DIR the first time (CA, keys, policies, configs), start the "
      "ledger, signer and builder, and print the ledger's web address");
  up->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  up->callback([dir, exit_code] { *exit_code = Up(*dir); });
  CLI::App* status = farm->add_subcommand("status", "Show which roles run (exit 1 unless all)");
  status->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  status->callback([dir, exit_code] { *exit_code = Status_(*dir); });
  CLI::App* down = farm->add_subcommand("down", "Stop the farm's processes");
  down->add_option("DIR", *dir, "The farm's directory")->capture_default_str();
  down->callback([dir, exit_code] { *exit_code = Down(*dir); });

  auto args = std::make_shared<BuildArgs>();
  CLI::App* build =
      app.add_subcommand("build",
                         "Build a component on the farm, following its live log; prints its ledger "
                         "entry and where the signed artifacts are");
  build->add_option("COMPONENT", args->component, "The component (a [components.NAME] table)")
      ->required();
  build->add_option("--farm", args->farm, "The farm's directory")->capture_default_str();
  build->add_flag("--json", args->json, "Print only the result, as JSON");
  build->callback([args, exit_code] { *exit_code = Build(*args); });
}

}  // namespace vigil::cli
