// vigil-gateway's configuration (docs/SPEC-gateway.md), a TOML file read strictly:
//   [gateway]  listen_host, listen_port, state_dir (deliveries.db), audit_log; database
//              (optional, "postgresql://..."): the deliveries, the queue and the verdict
//              records in PostgreSQL instead of state_dir/deliveries.db, shared by gateways
//              on several hosts (the signed commands' approvals stay in state_dir)
//   [secrets]  github | gitlab | gitea | forgejo = FILE holding that hook's secret
//   [[repository]]  provider, name ("owner/repo"), component
//   [builder]  address, certificate, key, ca, name (optional: without it, build requests are
//              recorded and queued but not dispatched); or [[builder]] tables, a pool, each
//              with `components` (the components it builds; absent: all) and its own name
//   [ledger]   address, certificate, key, ca, name, verifier_key (optional: without it,
//              verdict records wait in the gateway's store until one is configured)
//   [service]  listen, cert, key, ca, policy, audit_log: where builders call vigil.Publish
//   [channels] repository, keys, source, release_key, timestamp_seconds
//   [commands] keyring, threshold, max_validity_seconds, min_testing_seconds;
//              [[maintainer]] fingerprint, components, channels
//   [[notify]] url (http://HOST:PORT), path, secret (a file: whsec_BASE64)
// Relative paths are relative to the file. A provider without a secret has no hook.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "crypto/secret.h"
#include "gateway/channels.h"
#include "gateway/command_service.h"
#include "gateway/notifier.h"
#include "gateway/webhook.h"
#include "rpc/service_config.h"

namespace vigil::gateway {

struct RepositoryRule {
  Provider provider = Provider::kGitHub;
  std::string name;
  std::string component;
};

// Another role the gateway calls, and the gateway's certificate for calling it.
struct PeerTarget {
  std::string address;  // "unix:PATH" or "HOST:PORT"
  std::filesystem::path certificate, key, ca;
  std::string name;  // the peer's certificate must name this role
};

// One builder of the pool and the components it builds (empty: all).
struct BuilderTarget {
  PeerTarget peer;
  std::vector<std::string> components;
};
inline constexpr std::size_t kMaxBuilders = 64;

// Where verdicts are recorded: the ledger, whose receipts are checked with its key.
struct LedgerTarget {
  PeerTarget peer;
  std::string verifier_key;  // the ledger's note verifier key (`vigil log vkey`)
};

struct GatewayConfig {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  std::filesystem::path state_dir;
  std::string database;  // empty: state_dir/deliveries.db
  std::filesystem::path audit_log;
  std::map<Provider, crypto::SecretBytes> secrets;
  std::vector<RepositoryRule> repositories;
  std::vector<BuilderTarget> builders;  // where queued builds go (none: they wait)
  std::optional<LedgerTarget> ledger;
  std::optional<rpc::ServiceConfig> service;  // vigil.Publish+COMPONENT, from builders
  std::optional<ChannelsConfig> channels;
  std::optional<CommandsConfig> commands;
  std::vector<NotifyTarget> notify;
};

Result<GatewayConfig> ReadGatewayConfig(const std::filesystem::path& file);

}  // namespace vigil::gateway
