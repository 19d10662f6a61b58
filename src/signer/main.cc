// vigil-signer: holds the release keys and signs an artifact only when a ledger receipt
// proves that the calling builder logged a completed build that declared it (see
// signer_service.h). It opens no connection but its own socket and the ledger's.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "rpc/audit_log.h"
#include "rpc/service_host.h"
#include "signer/approval.h"
#include "signer/configured_keys.h"
#include "signer/replay_store.h"
#include "signer/signer_config.h"
#include "signer/signer_service.h"

namespace {

int Fail(const vigil::Error& error) {
  std::cerr << "vigil-signer: error: " << error.message() << "\n";
  return error.exit_code();
}

int InitKey(const vigil::signer::SignerConfig& config, const std::string& name) {
  auto key = config.keys.find(name);
  if (key == config.keys.end()) {
    return Fail(vigil::Error::BadInput("the configuration has no [keys." + name + "] table"));
  }
  auto public_key = vigil::signer::CreateConfiguredKey(key->second);
  if (!public_key.ok()) return Fail(public_key.error());
  std::fprintf(stderr, "vigil-signer: created %s key '%s' (key id %s)\n",
               std::string(vigil::crypto::KeyAlgorithmName(public_key->algorithm())).c_str(),
               name.c_str(), public_key->KeyId().c_str());
  std::fputs(public_key->Pem().c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vigil-signer: signs artifacts that a logged build declared, once"};
  std::string config_path, init_key;
  app.add_option("--config", config_path, "The signer's configuration file (TOML)")->required();
  app.add_option("--init-key", init_key,
                 "Create the configured key NAME (a key file, or on the PKCS#11 token), print "
                 "its public key and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  auto config = vigil::signer::LoadSignerConfig(config_path);
  if (!config.ok()) return Fail(config.error());
  if (!init_key.empty()) return InitKey(*config, init_key);

  auto keys = vigil::signer::OpenConfiguredKeys(*config);
  if (!keys.ok()) return Fail(keys.error());
  auto replay = config->database.empty()
                    ? vigil::signer::ReplayStore::Open(config->state_dir)
                    : vigil::signer::ReplayStore::OpenDatabase(config->database);
  if (!replay.ok()) return Fail(replay.error());
  auto pending = (*replay)->PendingCount();
  if (!pending.ok()) return Fail(pending.error());
  if (*pending > 0) {
    std::fprintf(stderr,
                 "vigil-signer: %llu signatures were interrupted by a crash; those builds stay "
                 "refused (see docs/SPEC-signer.md)\n",
                 static_cast<unsigned long long>(*pending));
  }
  auto audit = vigil::rpc::AuditLog::Open(config->service.audit_log);
  if (!audit.ok()) return Fail(audit.error());

  vigil::signer::LedgerTrust trust{*config->ledger_verifier, config->ledger_origin,
                                   config->freshness};
  trust.witnesses = config->witness_policy;
  vigil::signer::Approver approver(std::move(trust));

  auto ledger =
      vigil::rpc::MakePeer(config->ledger_address, config->service.tls, config->ledger_name);
  if (!ledger.ok()) return Fail(ledger.error().WithContext("ledger"));

  auto host = vigil::rpc::ServiceHost::Create(config->service.HostOptions());
  if (!host.ok()) return Fail(host.error());
  vigil::signer::SignerService service(approver, **replay, *keys, *audit, *ledger);
  service.RegisterWith(**host);
  vigil::Status listening =
      vigil::rpc::ListenAndAnnounce(**host, config->service.listen, "vigil-signer");
  if (!listening.ok()) return Fail(listening.error());
  for (const auto& [name, key] : *keys) {
    std::printf("vigil-signer: key %s (%s) id %s\n", name.c_str(),
                std::string(vigil::crypto::KeyAlgorithmName(key->public_key().algorithm())).c_str(),
                key->public_key().KeyId().c_str());
  }
  std::fflush(stdout);
  vigil::Status served = (*host)->Run();
  if (!served.ok()) return Fail(served.error());
  return 0;
}
