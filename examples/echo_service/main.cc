// echo-service: a role that offers `vigil.Echo` (sends back what it receives) and the
// built-in `vigil.Ping`, behind mutual TLS and a call policy. An example of the service
// host API and a tool to check a deployment's certificates and policies.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "rpc/service_host.h"

namespace {

vigil::rpc::Handler Echo() {
  return [](vigil::rpc::Call& call) -> asio::awaitable<vigil::Status> {
    while (true) {
      VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
      if (!data) co_return vigil::OkStatus();  // the caller half-closed
      VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*data));
    }
  };
}

int Fail(const vigil::Error& error) {
  std::cerr << "echo-service: error: " << error.message() << "\n";
  return error.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"echo-service: vigil.Echo and vigil.Ping behind mutual TLS and a call policy"};
  std::vector<std::string> listen;
  std::string cert, key, ca, policy, audit;
  double idle = 60, total = 3600;
  std::size_t max_frame = vigil::rpc::kDefaultMaxFrame;
  app.add_option("--listen", listen, "unix:/path or tcp:HOST:PORT (repeatable)")->required();
  app.add_option("--cert", cert, "This role's certificate")->required();
  app.add_option("--key", key, "This role's private key (0600)")->required();
  app.add_option("--ca", ca, "The deployment CA certificate")->required();
  app.add_option("--policy", policy, "The call policy directory (*.policy)")->required();
  app.add_option("--audit-log", audit, "Append every decision here (JSON lines)")->required();
  app.add_option("--idle-timeout", idle, "Seconds without a frame either way")
      ->capture_default_str();
  app.add_option("--timeout", total, "Seconds a call may take")->capture_default_str();
  app.add_option("--max-frame", max_frame,
                 "Largest frame payload accepted, in bytes (1 MiB to 16 MiB)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!(idle > 0 && idle <= 86400 && total > 0 && total <= 7 * 86400)) {
    return Fail(vigil::Error::BadInput("timeouts are seconds above 0 (idle at most a day)"));
  }

  vigil::rpc::ServiceHostOptions options;
  options.tls = {cert, key, ca};
  options.policy_dir = policy;
  options.audit_log = audit;
  options.limits.idle_timeout = std::chrono::milliseconds(static_cast<long long>(idle * 1000));
  options.limits.total_timeout = std::chrono::milliseconds(static_cast<long long>(total * 1000));
  options.limits.max_frame = max_frame;
  auto host = vigil::rpc::ServiceHost::Create(options);
  if (!host.ok()) return Fail(host.error());
  (*host)->Register("vigil.Echo", Echo());
  vigil::Status listening = vigil::rpc::ListenAndAnnounce(**host, listen, "echo-service");
  if (!listening.ok()) return Fail(listening.error());
  vigil::Status served = (*host)->Run();
  if (!served.ok()) return Fail(served.error());
  return 0;
}
