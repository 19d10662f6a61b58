// vigil-builder: builds components from verified sources in a sandbox, streaming the log to
// the ledger, and has the result signed and published (see builder_service.h).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/subprocess.h"
#include "builder/builder_config.h"
#include "builder/builder_service.h"
#include "rpc/audit_log.h"
#include "rpc/service_host.h"
#include "rpc/tls_context.h"

namespace {

int Fail(const vigil::Error& error) {
  std::cerr << "vigil-builder: error: " << error.message() << "\n";
  return error.exit_code();
}

// The directory of this program: vigil and vigil-init are installed beside it.
std::filesystem::path OwnDirectory() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path(".") : self.parent_path();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-builder: builds signed sources in a sandbox, logged, signed, published"};
  std::string config_path;
  app.add_option("--config", config_path, "The builder's configuration file (TOML)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto config = vigil::builder::LoadBuilderConfig(config_path, OwnDirectory());
  if (!config.ok()) return Fail(config.error());
  if (vigil::FindExecutable("bwrap").empty()) {
    return Fail(vigil::Error::MissingEnv("bubblewrap (bwrap) is not installed: run scripts/setup"));
  }
  std::error_code ec;
  std::filesystem::create_directories(config->work_dir, ec);
  std::filesystem::create_directories(config->repository, ec);
  auto audit = vigil::rpc::AuditLog::Open(config->service.audit_log);
  if (!audit.ok()) return Fail(audit.error());
  const vigil::rpc::TlsFiles& tls = config->service.tls;
  auto ledger = vigil::rpc::MakePeer(config->ledger_address, tls, config->ledger_name);
  if (!ledger.ok()) return Fail(ledger.error().WithContext("ledger"));
  auto signer = vigil::rpc::MakePeer(config->signer_address, tls, config->signer_name);
  if (!signer.ok()) return Fail(signer.error().WithContext("signer"));

  std::optional<vigil::rpc::Peer> gateway;
  if (!config->gateway_address.empty()) {
    auto peer = vigil::rpc::MakePeer(config->gateway_address, tls, config->gateway_name);
    if (!peer.ok()) return Fail(peer.error().WithContext("gateway"));
    gateway = std::move(peer).value();
  }
  vigil::rpc::ServiceHostOptions options = config->service.HostOptions();
  // A build call may last as long as the longest build any component may be given (each
  // build's own limit is its sandbox's timeout), so that components can be added or given
  // more time without a restart; only callers the policy allows reach it.
  options.limits.total_timeout = vigil::builder::kMaxBuildTimeout + std::chrono::minutes(5);
  options.limits.idle_timeout = vigil::builder::kMaxBuildTimeout + std::chrono::minutes(5);
  auto host = vigil::rpc::ServiceHost::Create(options);
  if (!host.ok()) return Fail(host.error());
  vigil::builder::BuilderService service(config_path, *config, *ledger, *config->ledger_verifier,
                                         *signer, *audit, std::move(gateway));
  service.RegisterWith(**host);
  vigil::Status listening =
      vigil::rpc::ListenAndAnnounce(**host, config->service.listen, "vigil-builder");
  if (!listening.ok()) return Fail(listening.error());
  vigil::Status served = (*host)->Run();
  if (!served.ok()) return Fail(served.error());
  return 0;
}
