#include <unistd.h>

#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "rpc/call_client.h"
#include "rpc/call_pipe.h"

namespace vigil::cli {
namespace {

constexpr double kMaxTimeoutSeconds = 7 * 24 * 3600;

struct CallArgs {
  std::string address;
  std::string request;
  std::string cert, key, ca;
  std::string service_name;
  double connect_timeout = 10;
  double idle_timeout = 60;
  double total_timeout = 3600;
};

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// The call to make, from the arguments.
struct CallSetup {
  rpc::Peer peer;
  rpc::CallRequest request;
};

Result<CallSetup> PrepareCall(const CallArgs& args) {
  CallSetup setup;
  VIGIL_ASSIGN_OR_RETURN(setup.request, rpc::ParseCallRequest(args.request));
  for (double t : {args.connect_timeout, args.idle_timeout, args.total_timeout}) {
    if (!(t > 0 && t <= kMaxTimeoutSeconds)) {
      return Error::BadInput("timeouts are seconds above 0 and at most a week");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(
      setup.peer, rpc::MakePeer(args.address, {args.cert, args.key, args.ca}, args.service_name));
  rpc::ClientOptions& options = setup.peer.options;
  options.limits.connect_timeout = Millis(args.connect_timeout);
  options.limits.idle_timeout = Millis(args.idle_timeout);
  options.limits.total_timeout = Millis(args.total_timeout);
  return setup;
}

Result<int> RunCall(const CallArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(CallSetup setup, PrepareCall(args));
  const rpc::CallRequest& request = setup.request;
  auto exit = rpc::PipeCall(setup.peer, request, STDIN_FILENO, STDOUT_FILENO);
  if (!exit.ok()) return exit.error().WithContext(request.ToString());
  if (exit->exit_code != 0) {
    std::cerr << "vigil: " << request.service << " exited " << exit->exit_code
              << (exit->message.empty() ? "" : ": " + exit->message) << "\n";
  }
  return exit->exit_code;
}

}  // namespace

void AddCallCommand(CLI::App& app, int* exit_code) {
  auto [c, args] = AddCommand<CallArgs>(
      app, "call", "Call a service: stdin goes to it, its output to stdout; exits with its status",
      exit_code, RunCall);
  c->add_option("ADDRESS", args->address,
                "unix:/path/to.sock or tcp:HOST:PORT, or several separated by commas (tried in "
                "order while nothing answers)")
      ->required();
  c->add_option("SERVICE", args->request, "SERVICE or SERVICE+ARGUMENT")->required();
  c->add_option("--cert", args->cert, "Our certificate (vigil ca issue)")->required();
  c->add_option("--key", args->key, "Our private key (0600)")->required();
  c->add_option("--ca", args->ca, "The deployment CA certificate")->required();
  c->add_option("--service-name", args->service_name,
                "Require the service's certificate to name this role");
  c->add_option("--connect-timeout", args->connect_timeout,
                "Seconds for connect, TLS handshake and acceptance")
      ->capture_default_str();
  c->add_option("--idle-timeout", args->idle_timeout, "Seconds without data either way")
      ->capture_default_str();
  c->add_option("--timeout", args->total_timeout, "Seconds the whole call may take")
      ->capture_default_str();
}

}  // namespace vigil::cli
