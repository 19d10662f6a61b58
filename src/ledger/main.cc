// vigil-ledger: the build-log ledger. Serves vigil.BuildLog and vigil.Append behind mutual
// TLS and the call policy, and the public read API over HTTP. The log directory is made
// with `vigil log init DIR --origin NAME`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "base/strict_number.h"
#include "ledger/build_entry.h"
#include "ledger/build_logs.h"
#include "ledger/http_api.h"
#include "ledger/ledger_service.h"
#include "rpc/service_host.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace {

int Fail(const vigil::Error& error) {
  std::cerr << "vigil-ledger: error: " << error.message() << "\n";
  return error.exit_code();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-ledger: the append-only, verifiable log of builds"};
  std::string dir, http = "127.0.0.1:0";
  std::vector<std::string> listen;
  std::string cert, key, ca, policy, audit;
  double idle_timeout = 60;
  app.add_option("--dir", dir, "The log directory (made by `vigil log init`)")->required();
  app.add_option("--listen", listen, "unix:/path or tcp:HOST:PORT for calls (repeatable)")
      ->required();
  app.add_option("--http", http, "HOST:PORT of the public read API (port 0: any)")
      ->capture_default_str();
  app.add_option("--cert", cert, "This role's certificate")->required();
  app.add_option("--key", key, "This role's private key (0600)")->required();
  app.add_option("--ca", ca, "The deployment CA certificate")->required();
  app.add_option("--policy", policy, "The call policy directory (*.policy)")->required();
  app.add_option("--audit-log", audit, "Append every decision here (JSON lines)")->required();
  app.add_option("--idle-timeout", idle_timeout,
                 "Seconds a call may stay silent before the ledger ends it (builders send "
                 "`sync` to keep a quiet build's log open)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 86400.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  const std::size_t colon = http.rfind(':');
  const vigil::ScannedNumber<std::uint64_t> http_port =
      colon == std::string::npos
          ? vigil::ScannedNumber<std::uint64_t>{0, vigil::NumberProblem::kEmpty}
          : vigil::ScanUnsigned(http.substr(colon + 1), 0, 65535);
  if (colon == std::string::npos || colon == 0 || !http_port.ok()) {
    return Fail(vigil::Error::BadInput("--http must be HOST:PORT, e.g. 127.0.0.1:8080"));
  }

  auto store = vigil::tlog::LogStore::Open(dir, vigil::ledger::LabelEntry);
  if (!store.ok()) return Fail(store.error());
  auto logs = vigil::ledger::BuildLogs::Open(dir);
  if (!logs.ok()) return Fail(logs.error());
  vigil::tlog::Sequencer sequencer(**store);
  vigil::ledger::LedgerService service(**store, sequencer, **logs);
  auto recovered = service.RecoverInterruptedBuilds();
  if (!recovered.ok()) return Fail(recovered.error());
  if (*recovered > 0) {
    std::fprintf(stderr, "vigil-ledger: logged %zu interrupted builds as truncated\n", *recovered);
  }

  vigil::rpc::ServiceHostOptions options;
  options.tls = {cert, key, ca};
  options.policy_dir = policy;
  options.audit_log = audit;
  options.limits.idle_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(idle_timeout * 1000));
  auto host = vigil::rpc::ServiceHost::Create(options);
  if (!host.ok()) return Fail(host.error());
  service.RegisterWith(**host);
  vigil::Status listening = vigil::rpc::ListenAndAnnounce(**host, listen, "vigil-ledger");
  if (!listening.ok()) return Fail(listening.error());
  vigil::ledger::HttpApi api(**store, **logs);
  auto port = api.Start(http.substr(0, colon), static_cast<int>(http_port.value));
  if (!port.ok()) return Fail(port.error());
  // Scripts read the real port of --http HOST:0 from this line.
  std::printf("vigil-ledger: %s (size %llu) on http://%s:%d\n", (*store)->origin().c_str(),
              static_cast<unsigned long long>((*store)->size()), http.substr(0, colon).c_str(),
              *port);
  std::fflush(stdout);
  vigil::Status served = (*host)->Run();
  api.Stop();
  sequencer.Stop();
  if (!served.ok()) return Fail(served.error());
  return 0;
}
