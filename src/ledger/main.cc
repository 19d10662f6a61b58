// vigil-ledger: the build-log ledger. Serves vigil.BuildLog and vigil.Append behind mutual
// TLS and the call policy, and the public read API over HTTP. The log directory is made
// with `vigil log init DIR --origin NAME`. Settings come from --config FILE ([service], as
// the signer's and the builder's), from flags, or both: a flag given overrides the file.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/build_entry.h"
#include "ledger/build_logs.h"
#include "ledger/checkpoint_witnesses.h"
#include "ledger/http_api.h"
#include "ledger/ledger_config.h"
#include "ledger/ledger_service.h"
#include "ledger/sequencer_lease.h"
#include "pg/build_log_table.h"
#include "pg/log_storage.h"
#include "rpc/service_host.h"
#include "tlog/checkpoint_publisher.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"
#include "tlog/witness_policy.h"

namespace {

int Fail(const vigil::Error& error) {
  std::cerr << "vigil-ledger: error: " << error.message() << "\n";
  return error.exit_code();
}

// The command line's flags, each bound to a string that counts only when it was given.
struct CommandLine {
  std::string config, dir, http, cert, key, ca, policy, audit;
  std::vector<std::string> listen;
  double idle_timeout = 60, witness_wait = 10, lease_seconds = 2;
  std::string witness_policy, database;
  std::map<std::string, CLI::Option*> given;

  void Add(CLI::App& app) {
    app.add_option("--config", config, "The ledger's configuration file (TOML, [service])");
    given["dir"] = app.add_option("--dir", dir, "The log directory (made by `vigil log init`)");
    given["listen"] =
        app.add_option("--listen", listen, "unix:/path or tcp:HOST:PORT for calls (repeatable)");
    given["http"] = app.add_option("--http", http,
                                   "HOST:PORT of the public read API (port 0: any; default "
                                   "127.0.0.1:0)");
    given["cert"] = app.add_option("--cert", cert, "This role's certificate");
    given["key"] = app.add_option("--key", key, "This role's private key (0600)");
    given["ca"] = app.add_option("--ca", ca, "The deployment CA certificate");
    given["policy"] = app.add_option("--policy", policy, "The call policy directory (*.policy)");
    given["audit"] =
        app.add_option("--audit-log", audit, "Append every decision here (JSON lines)");
    given["idle"] = app.add_option("--idle-timeout", idle_timeout,
                                   "Seconds a call may stay silent before the ledger ends it "
                                   "(builders send `sync` to keep a quiet build's log open; "
                                   "default 60)");
    given["witness-policy"] = app.add_option(
        "--witness-policy", witness_policy,
        "C2SP tlog-policy file: publish a checkpoint only once its quorum of witnesses cosigned "
        "it (witness lines with their URLs)");
    given["witness-wait"] = app.add_option(
        "--witness-wait", witness_wait,
        "Seconds a new checkpoint waits for the witnesses before its appends fail (default 10)");
    given["database"] = app.add_option(
        "--database", database,
        "The log in PostgreSQL (postgresql://...), shared with other ledgers: one sequences, the "
        "others wait as standbys; --dir then holds the log's key and the builds' text");
    given["lease"] = app.add_option("--lease-seconds", lease_seconds,
                                    "The sequencer lease's time to live with --database "
                                    "(default 2): how soon a standby takes over");
  }
  bool Given(const std::string& name) const { return given.at(name)->count() > 0; }
  template <typename T>
  std::optional<T> IfGiven(const std::string& name, const T& value) const {
    return Given(name) ? std::optional<T>(value) : std::nullopt;
  }
  vigil::ledger::LedgerFlags Flags() const {
    vigil::ledger::LedgerFlags flags;
    flags.dir = IfGiven<std::filesystem::path>("dir", dir);
    flags.cert = IfGiven<std::filesystem::path>("cert", cert);
    flags.key = IfGiven<std::filesystem::path>("key", key);
    flags.ca = IfGiven<std::filesystem::path>("ca", ca);
    flags.policy = IfGiven<std::filesystem::path>("policy", policy);
    flags.audit_log = IfGiven<std::filesystem::path>("audit", audit);
    flags.listen = listen;
    flags.http = IfGiven("http", http);
    flags.idle_timeout_seconds = IfGiven("idle", idle_timeout);
    flags.witness_policy = IfGiven<std::filesystem::path>("witness-policy", witness_policy);
    flags.witness_wait_seconds = IfGiven("witness-wait", witness_wait);
    flags.database = IfGiven("database", database);
    flags.lease_seconds = IfGiven("lease", lease_seconds);
    return flags;
  }
};

vigil::Result<vigil::ledger::LedgerConfig> Configure(const CommandLine& command_line) {
  std::optional<vigil::ledger::LedgerConfig> file;
  if (!command_line.config.empty()) {
    VIGIL_ASSIGN_OR_RETURN(file, vigil::ledger::LoadLedgerConfig(command_line.config));
  }
  return vigil::ledger::ResolveLedgerConfig(file, command_line.Flags());
}

// The log: in the directory, or in the database once this ledger holds the sequencer lease
// (waiting as a standby until then, and exiting when it loses the lease).
struct OpenedLog {
  std::unique_ptr<vigil::ledger::SequencerLease> lease;  // with a database
  std::unique_ptr<vigil::tlog::LogStore> store;
  std::unique_ptr<vigil::pg::BuildLogTable> archive;  // the builds' text, with a database
};

// While it waits for the lease, a ledger sharing a log serves the read API from the
// database, following the sequencer; it stops once the lease is its own.
struct Standby {
  std::unique_ptr<vigil::tlog::LogStore> store;
  std::unique_ptr<vigil::ledger::BuildLogs> logs;
  std::unique_ptr<vigil::ledger::HttpApi> api;
};

vigil::Result<Standby> ServeReads(const vigil::ledger::LedgerConfig& config,
                                  const vigil::pg::SessionSettings& session) {
  Standby standby;
  VIGIL_ASSIGN_OR_RETURN(vigil::tlog::LogStore::Backend backend,
                         vigil::pg::OpenLogBackend(session, config.dir, /*epoch=*/0));
  VIGIL_ASSIGN_OR_RETURN(standby.store,
                         vigil::tlog::LogStore::OpenBackendReadOnly(std::move(backend)));
  VIGIL_ASSIGN_OR_RETURN(auto archive, vigil::pg::BuildLogTable::Open(session, /*epoch=*/0));
  VIGIL_ASSIGN_OR_RETURN(standby.logs,
                         vigil::ledger::BuildLogs::Open(config.dir, std::move(archive)));
  VIGIL_RETURN_IF_ERROR(standby.logs->ReplaceStale());
  standby.api = std::make_unique<vigil::ledger::HttpApi>(*standby.store, *standby.logs);
  standby.api->ServeAsStandby([store = standby.store.get()] {
    vigil::Status followed = store->Refresh(std::chrono::milliseconds(100));
    if (!followed.ok()) {
      std::fprintf(stderr, "vigil-ledger: standby: %s\n", followed.error().message().c_str());
    }
  });
  VIGIL_ASSIGN_OR_RETURN(const int port, standby.api->Start(config.http_host, config.http_port));
  std::fprintf(stderr, "vigil-ledger: standby: serving reads of %s at http://%s:%d\n",
               standby.store->origin().c_str(), config.http_host.c_str(), port);
  return standby;
}

vigil::Result<OpenedLog> OpenLog(const vigil::ledger::LedgerConfig& config) {
  OpenedLog log;
  if (config.database.empty()) {
    VIGIL_ASSIGN_OR_RETURN(log.store,
                           vigil::tlog::LogStore::Open(config.dir, vigil::ledger::LabelEntry));
    return log;
  }
  // The key first: a ledger that could not sequence must not take the lease from one that can.
  VIGIL_RETURN_IF_ERROR(vigil::tlog::CheckpointPublisher::Open(config.dir).status());
  vigil::pg::SessionSettings session;
  session.url = config.database;
  char host[256] = {};
  (void)::gethostname(host, sizeof(host) - 1);
  const std::string holder = std::string(host) + ":" + std::to_string(::getpid());
  VIGIL_ASSIGN_OR_RETURN(const bool holds_log, vigil::pg::HoldsLog(session));
  if (!holds_log) {
    return vigil::Error::BadInput(
        "the database " + vigil::pg::RedactDatabaseUrl(config.database) +
        " holds no log: put one there first with `vigil log migrate --from DIR --to URL "
        "--key-dir DIR` (docs/OPERATIONS.md, \"Several ledgers\")");
  }
  VIGIL_ASSIGN_OR_RETURN(Standby standby, ServeReads(config, session));
  VIGIL_ASSIGN_OR_RETURN(log.lease, vigil::ledger::SequencerLease::Acquire(
                                        session, holder, config.lease, [](const std::string& why) {
                                          std::fprintf(stderr, "vigil-ledger: standby: %s\n",
                                                       why.c_str());
                                        }));
  standby.api->Stop();  // the sequencer serves on the same address from now on
  std::fprintf(stderr, "vigil-ledger: sequencing as %s (epoch %lld)\n", holder.c_str(),
               static_cast<long long>(log.lease->epoch()));
  VIGIL_ASSIGN_OR_RETURN(vigil::tlog::LogStore::Backend backend,
                         vigil::pg::OpenLogBackend(session, config.dir, log.lease->epoch()));
  VIGIL_ASSIGN_OR_RETURN(
      log.store, vigil::tlog::LogStore::OpenBackend(std::move(backend), vigil::ledger::LabelEntry));
  VIGIL_ASSIGN_OR_RETURN(log.archive, vigil::pg::BuildLogTable::Open(session, log.lease->epoch()));
  log.lease->KeepRenewing([](const vigil::Error& error) {
    // Fenced already: the database refuses this ledger's appends. Clients move on to the
    // new sequencer once this one stops answering.
    std::fprintf(stderr, "vigil-ledger: error: %s; stopping\n", error.message().c_str());
    std::fflush(stderr);
    std::_Exit(1);
  });
  return log;
}

// With a witness policy, every checkpoint is published only once the witnesses cosigned it;
// the checkpoint the log was left with is offered to them now.
vigil::Result<std::unique_ptr<vigil::ledger::CheckpointWitnesses>> SetUpWitnesses(
    const vigil::ledger::LedgerConfig& config, vigil::tlog::LogStore& store) {
  using Witnesses = std::unique_ptr<vigil::ledger::CheckpointWitnesses>;
  if (config.witness_policy.empty()) return Witnesses();
  VIGIL_ASSIGN_OR_RETURN(vigil::tlog::WitnessPolicy policy,
                         vigil::tlog::ReadWitnessPolicy(config.witness_policy));
  if (policy.log && policy.log->name() != store.origin()) {
    return vigil::Error::BadInput("the witness policy " + config.witness_policy.string() +
                                  " is for the log " + policy.log->name() + ", not " +
                                  store.origin());
  }
  if (!policy.quorum) return Witnesses();  // quorum none: nothing to wait for
  vigil::ledger::WitnessingOptions options;
  options.wait = config.witness_wait;
  VIGIL_ASSIGN_OR_RETURN(auto witnesses,
                         vigil::ledger::CheckpointWitnesses::Create(policy, options));
  store.SetCosigning([raw = witnesses.get()](const std::string& note, std::uint64_t size,
                                             const vigil::tlog::ConsistencyProver& prove) {
    return raw->Cosign(note, size, prove);
  });
  if (!vigil::tlog::CheckWitnessPolicy(policy, store.checkpoint()).ok()) {
    vigil::Status published = store.PublishWitnessed();
    if (!published.ok()) {
      std::fprintf(stderr, "vigil-ledger: warning: %s\n", published.error().message().c_str());
    }
  }
  return witnesses;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-ledger: the append-only, verifiable log of builds"};
  CommandLine command_line;
  command_line.Add(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto config = Configure(command_line);
  if (!config.ok()) return Fail(config.error());

  auto log = OpenLog(*config);
  if (!log.ok()) return Fail(log.error());
  auto* store = &log->store;
  auto logs = vigil::ledger::BuildLogs::Open(config->dir, std::move(log->archive));
  if (!logs.ok()) return Fail(logs.error());
  auto witnesses = SetUpWitnesses(*config, **store);
  if (!witnesses.ok()) return Fail(witnesses.error());
  vigil::tlog::Sequencer sequencer(**store);
  vigil::ledger::LedgerService service(**store, sequencer, **logs);
  auto recovered = service.RecoverInterruptedBuilds();
  if (!recovered.ok()) return Fail(recovered.error());
  if (*recovered > 0) {
    std::fprintf(stderr, "vigil-ledger: logged %zu interrupted builds as truncated\n", *recovered);
  }

  auto host = vigil::rpc::ServiceHost::Create(config->HostOptions());
  if (!host.ok()) return Fail(host.error());
  service.RegisterWith(**host);
  vigil::Status listening =
      vigil::rpc::ListenAndAnnounce(**host, config->service.listen, "vigil-ledger");
  if (!listening.ok()) return Fail(listening.error());
  vigil::ledger::HttpApi api(**store, **logs);
  auto port = api.Start(config->http_host, config->http_port);
  if (!port.ok()) return Fail(port.error());
  // Scripts read the real port of --http HOST:0 from this line.
  std::printf("vigil-ledger: %s (size %llu) on http://%s:%d\n", (*store)->origin().c_str(),
              static_cast<unsigned long long>((*store)->size()), config->http_host.c_str(), *port);
  std::fflush(stdout);
  vigil::Status served = (*host)->Run();
  api.Stop();
  sequencer.Stop();
  if (!served.ok()) return Fail(served.error());
  return 0;
}
