#include "gateway/gateway_config.h"

#include <set>

#include "base/file.h"
#include "encoding/toml_reader.h"
#include "http/client.h"
#include "pg/connection.h"
#include "release/gpg.h"
#include "rpc/service_config_reader.h"
#include "tlog/note.h"

namespace vigil::gateway {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

Result<Provider> ProviderNamed(const std::string& name) {
  std::optional<Provider> provider = ProviderFromPath("/hooks/" + name);
  if (!provider) return Error::BadInput("unknown provider " + name);
  return *provider;
}

// The secret: the file's bytes without one final newline; at least 16 bytes.
Result<crypto::SecretBytes> ReadSecret(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file, kMaxSecretBytes));
  if (!bytes.empty() && bytes.back() == '\n') bytes.pop_back();
  if (bytes.size() < 16) {
    return Error::BadInput(file.string() + ": a webhook secret must be at least 16 bytes");
  }
  crypto::SecretBytes secret(bytes.size());
  std::copy(bytes.begin(), bytes.end(), secret.data());
  crypto::Wipe(bytes);
  return secret;
}

// A peer's table: its address, the gateway's TLS files for it and the role it must be;
// `extra_key` is the one other key the table may have.
Result<PeerTarget> ReadPeerTable(const toml::table* table, const TomlReader& r,
                                 const std::filesystem::path& base, const std::string& table_name,
                                 std::string_view extra_key) {
  const std::string where = "[" + table_name + "]";
  VIGIL_RETURN_IF_ERROR(
      r.CheckKeys(*table, where, {"address", "certificate", "key", "ca", "name", extra_key}));
  const std::string prefix = table_name + ".";
  PeerTarget target;
  VIGIL_ASSIGN_OR_RETURN(target.address, r.String(*table, "address", prefix + "address", true));
  VIGIL_ASSIGN_OR_RETURN(target.certificate,
                         r.Path(*table, "certificate", prefix + "certificate", base, true));
  VIGIL_ASSIGN_OR_RETURN(target.key, r.Path(*table, "key", prefix + "key", base, true));
  VIGIL_ASSIGN_OR_RETURN(target.ca, r.Path(*table, "ca", prefix + "ca", base, true));
  VIGIL_ASSIGN_OR_RETURN(target.name, r.String(*table, "name", prefix + "name", false));
  if (target.name.empty()) target.name = table_name;
  return target;
}

// [TABLE]: a peer, or nullopt when the table is absent.
Result<std::optional<PeerTarget>> ReadPeer(const toml::table& doc, const TomlReader& r,
                                           const std::filesystem::path& base,
                                           const std::string& table_name,
                                           std::string_view extra_key) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* table, r.Table(doc, table_name));
  if (table == nullptr) return std::optional<PeerTarget>();
  VIGIL_ASSIGN_OR_RETURN(PeerTarget target, ReadPeerTable(table, r, base, table_name, extra_key));
  return std::optional<PeerTarget>(std::move(target));
}

// [builder] (one builder) or [[builder]] tables (a pool), each with the components it
// builds (`components`; absent: all). Names differ: a build's builder is known by its name.
Result<std::vector<BuilderTarget>> ReadBuilders(const toml::table& doc, const TomlReader& r,
                                                const std::filesystem::path& base) {
  const toml::node* node = doc.get("builder");
  std::vector<const toml::table*> tables;
  if (node != nullptr && node->is_table()) tables.push_back(node->as_table());
  if (const toml::array* pool = node != nullptr ? node->as_array() : nullptr; pool != nullptr) {
    if (!pool->is_array_of_tables() || pool->size() > kMaxBuilders) {
      return r.Fail(node, "[[builder]] must be 1 to " + std::to_string(kMaxBuilders) + " tables");
    }
    for (const toml::node& table : *pool) tables.push_back(table.as_table());
  }
  if (node != nullptr && tables.empty()) return r.Fail(node, "builder must be a table");
  std::vector<BuilderTarget> builders;
  std::set<std::string> names;
  for (const toml::table* table : tables) {
    BuilderTarget builder;
    VIGIL_ASSIGN_OR_RETURN(builder.peer, ReadPeerTable(table, r, base, "builder", "components"));
    VIGIL_ASSIGN_OR_RETURN(builder.components,
                           r.StringList(*table, "components", "builder.components"));
    if (!names.insert(builder.peer.name).second) {
      return r.Fail(table, "two builders are named " + builder.peer.name +
                               ": give each its certificate's role as name");
    }
    builders.push_back(std::move(builder));
  }
  return builders;
}

Result<std::optional<LedgerTarget>> ReadLedger(const toml::table& doc, const TomlReader& r,
                                               const std::filesystem::path& base) {
  VIGIL_ASSIGN_OR_RETURN(std::optional<PeerTarget> peer,
                         ReadPeer(doc, r, base, "ledger", "verifier_key"));
  if (!peer) return std::optional<LedgerTarget>();
  const toml::table& table = *doc.get("ledger")->as_table();
  LedgerTarget ledger{std::move(*peer), {}};
  VIGIL_ASSIGN_OR_RETURN(ledger.verifier_key,
                         r.String(table, "verifier_key", "ledger.verifier_key", true));
  Result<tlog::NoteVerifier> verifier = tlog::NoteVerifier::Parse(ledger.verifier_key);
  if (!verifier.ok()) return r.Fail(table.get("verifier_key"), verifier.error().message());
  return std::optional<LedgerTarget>(std::move(ledger));
}

Result<std::optional<ChannelsConfig>> ReadChannels(const toml::table& doc, const TomlReader& r,
                                                   const std::filesystem::path& base) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* table, r.Table(doc, "channels"));
  if (table == nullptr) return std::optional<ChannelsConfig>();
  VIGIL_RETURN_IF_ERROR(r.CheckKeys(
      *table, "[channels]", {"repository", "keys", "source", "release_key", "timestamp_seconds"}));
  ChannelsConfig channels;
  VIGIL_ASSIGN_OR_RETURN(channels.repository,
                         r.Path(*table, "repository", "channels.repository", base, true));
  VIGIL_ASSIGN_OR_RETURN(channels.keys, r.Path(*table, "keys", "channels.keys", base, true));
  VIGIL_ASSIGN_OR_RETURN(channels.source, r.Path(*table, "source", "channels.source", base, true));
  VIGIL_ASSIGN_OR_RETURN(channels.release_key,
                         r.Path(*table, "release_key", "channels.release_key", base, true));
  VIGIL_ASSIGN_OR_RETURN(
      channels.timestamp_seconds,
      r.Integer(*table, "timestamp_seconds", "channels.timestamp_seconds", 86400, 60, 365 * 86400));
  return std::optional<ChannelsConfig>(std::move(channels));
}

Result<MaintainerRule> ReadMaintainer(const toml::table& rule, const TomlReader& r) {
  VIGIL_RETURN_IF_ERROR(
      r.CheckKeys(rule, "[[maintainer]]", {"fingerprint", "components", "channels"}));
  MaintainerRule maintainer;
  VIGIL_ASSIGN_OR_RETURN(std::string fingerprint,
                         r.String(rule, "fingerprint", "maintainer.fingerprint", true));
  Result<std::string> normalized = release::NormalizeFingerprint(fingerprint);
  if (!normalized.ok()) return r.Fail(rule.get("fingerprint"), normalized.error().message());
  maintainer.fingerprint = *normalized;
  VIGIL_ASSIGN_OR_RETURN(maintainer.components,
                         r.StringList(rule, "components", "maintainer.components"));
  VIGIL_ASSIGN_OR_RETURN(maintainer.channels,
                         r.StringList(rule, "channels", "maintainer.channels"));
  for (const std::string& channel : maintainer.channels) {
    if (channel != "testing" && channel != "current" && channel != "*") {
      return r.Fail(rule.get("channels"), "a channel is testing, current or *");
    }
  }
  if (maintainer.components.empty() || maintainer.channels.empty()) {
    return r.Fail(&rule, "a maintainer needs components and channels");
  }
  return maintainer;
}

Result<std::optional<CommandsConfig>> ReadCommands(const toml::table& doc, const TomlReader& r,
                                                   const std::filesystem::path& base) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* table, r.Table(doc, "commands"));
  if (table == nullptr) {
    if (doc.contains("maintainer"))
      return r.Fail(doc.get("maintainer"), "[[maintainer]] needs [commands]");
    return std::optional<CommandsConfig>();
  }
  VIGIL_RETURN_IF_ERROR(
      r.CheckKeys(*table, "[commands]",
                  {"keyring", "threshold", "max_validity_seconds", "min_testing_seconds"}));
  CommandsConfig commands;
  VIGIL_ASSIGN_OR_RETURN(commands.keyring,
                         r.Path(*table, "keyring", "commands.keyring", base, true));
  VIGIL_ASSIGN_OR_RETURN(std::int64_t threshold,
                         r.Integer(*table, "threshold", "commands.threshold", 2, 1, 100));
  commands.threshold = static_cast<std::uint32_t>(threshold);
  VIGIL_ASSIGN_OR_RETURN(commands.max_validity_seconds,
                         r.Integer(*table, "max_validity_seconds", "commands.max_validity_seconds",
                                   7 * 86400, 60, 90 * 86400));
  VIGIL_ASSIGN_OR_RETURN(commands.min_testing_seconds,
                         r.Integer(*table, "min_testing_seconds", "commands.min_testing_seconds",
                                   5 * 86400, 0, 365 * 86400));
  const toml::array* rules = doc["maintainer"].as_array();
  if (doc.contains("maintainer") && rules == nullptr) {
    return r.Fail(doc.get("maintainer"), "maintainer must be an array of tables ([[maintainer]])");
  }
  for (std::size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const toml::table* rule = rules->get(i)->as_table();
    if (rule == nullptr) return r.Fail(rules->get(i), "each [[maintainer]] must be a table");
    VIGIL_ASSIGN_OR_RETURN(MaintainerRule maintainer, ReadMaintainer(*rule, r));
    commands.maintainers.push_back(std::move(maintainer));
  }
  if (commands.maintainers.size() < commands.threshold) {
    return r.Fail(table, "the threshold is more than the maintainers configured");
  }
  return std::optional<CommandsConfig>(std::move(commands));
}

Result<std::vector<NotifyTarget>> ReadNotify(const toml::table& doc, const TomlReader& r,
                                             const std::filesystem::path& base) {
  std::vector<NotifyTarget> targets;
  const toml::array* list = doc["notify"].as_array();
  if (doc.contains("notify") && list == nullptr) {
    return r.Fail(doc.get("notify"), "notify must be an array of tables ([[notify]])");
  }
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    const toml::table* table = list->get(i)->as_table();
    if (table == nullptr) return r.Fail(list->get(i), "each [[notify]] must be a table");
    VIGIL_RETURN_IF_ERROR(r.CheckKeys(*table, "[[notify]]", {"url", "path", "secret"}));
    NotifyTarget target;
    VIGIL_ASSIGN_OR_RETURN(target.url, r.String(*table, "url", "notify.url", true));
    if (auto url = http::ParseUrl(target.url); !url.ok()) {
      return r.Fail(table->get("url"), url.error().message());
    }
    VIGIL_ASSIGN_OR_RETURN(target.path, r.String(*table, "path", "notify.path", false));
    if (target.path.empty()) target.path = "/";
    if (target.path.front() != '/' || target.path.find_first_of(" \r\n") != std::string::npos) {
      return r.Fail(table->get("path"), "path must start with / and hold no spaces");
    }
    VIGIL_ASSIGN_OR_RETURN(std::filesystem::path secret,
                           r.Path(*table, "secret", "notify.secret", base, true));
    VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(secret, kMaxSecretBytes));
    Result<crypto::SecretBytes> key = ParseWebhookSecret(AsText(text));
    crypto::Wipe(text);
    if (!key.ok()) {
      return r.Fail(table->get("secret"), secret.string() + ": " + key.error().message());
    }
    target.key = std::move(key).value();
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace

Result<GatewayConfig> ReadGatewayConfig(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(file, 1 << 20));
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(AsText(text), file.string()));
  const TomlReader r(file.string());
  const std::filesystem::path base = file.parent_path();
  VIGIL_RETURN_IF_ERROR(r.CheckKeys(doc, "the file",
                                    {"gateway", "secrets", "repository", "builder", "ledger",
                                     "service", "channels", "commands", "maintainer", "notify"}));
  GatewayConfig config;
  VIGIL_ASSIGN_OR_RETURN(const toml::table* gateway, r.Table(doc, "gateway"));
  if (gateway == nullptr) return r.Fail(&doc, "no [gateway] table");
  VIGIL_RETURN_IF_ERROR(r.CheckKeys(
      *gateway, "[gateway]", {"listen_host", "listen_port", "state_dir", "database", "audit_log"}));
  VIGIL_ASSIGN_OR_RETURN(config.listen_host,
                         r.String(*gateway, "listen_host", "listen_host", false));
  if (config.listen_host.empty()) config.listen_host = "127.0.0.1";
  VIGIL_ASSIGN_OR_RETURN(std::int64_t port,
                         r.Integer(*gateway, "listen_port", "listen_port", 8080, 0, 65535));
  config.listen_port = static_cast<int>(port);
  VIGIL_ASSIGN_OR_RETURN(config.state_dir, r.Path(*gateway, "state_dir", "state_dir", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.database, r.String(*gateway, "database", "database", false));
  if (!config.database.empty()) {
    Status url = pg::CheckDatabaseUrl(config.database);
    if (!url.ok()) return r.Fail(gateway->get("database"), url.error().message());
  }
  VIGIL_ASSIGN_OR_RETURN(config.audit_log, r.Path(*gateway, "audit_log", "audit_log", base, true));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* secrets, r.Table(doc, "secrets"));
  if (secrets != nullptr) {
    VIGIL_RETURN_IF_ERROR(
        r.CheckKeys(*secrets, "[secrets]", {"github", "gitlab", "gitea", "forgejo"}));
    for (const auto& [key, node] : *secrets) {
      const std::string name(key.str());
      VIGIL_ASSIGN_OR_RETURN(std::filesystem::path path,
                             r.Path(*secrets, name, "secrets." + name, base, true));
      VIGIL_ASSIGN_OR_RETURN(Provider provider, ProviderNamed(name));
      VIGIL_ASSIGN_OR_RETURN(config.secrets[provider], ReadSecret(path));
    }
  }
  const toml::array* rules = doc["repository"].as_array();
  if (doc.contains("repository") && rules == nullptr) {
    return r.Fail(doc.get("repository"), "repository must be an array of tables ([[repository]])");
  }
  for (std::size_t i = 0; rules != nullptr && i < rules->size(); ++i) {
    const toml::table* rule = rules->get(i)->as_table();
    if (rule == nullptr) return r.Fail(rules->get(i), "each [[repository]] must be a table");
    VIGIL_RETURN_IF_ERROR(r.CheckKeys(*rule, "[[repository]]", {"provider", "name", "component"}));
    RepositoryRule entry;
    VIGIL_ASSIGN_OR_RETURN(std::string provider, r.String(*rule, "provider", "provider", true));
    Result<Provider> parsed = ProviderNamed(provider);
    if (!parsed.ok()) return r.Fail(rule, parsed.error().message());
    entry.provider = *parsed;
    VIGIL_ASSIGN_OR_RETURN(entry.name, r.String(*rule, "name", "name", true));
    VIGIL_ASSIGN_OR_RETURN(entry.component, r.String(*rule, "component", "component", true));
    config.repositories.push_back(std::move(entry));
  }
  VIGIL_ASSIGN_OR_RETURN(config.builders, ReadBuilders(doc, r, base));
  VIGIL_ASSIGN_OR_RETURN(config.ledger, ReadLedger(doc, r, base));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* service, r.Table(doc, "service"));
  if (service != nullptr) {
    VIGIL_ASSIGN_OR_RETURN(config.service, rpc::ReadServiceConfig(r, *service, base, {}));
  }
  VIGIL_ASSIGN_OR_RETURN(config.channels, ReadChannels(doc, r, base));
  VIGIL_ASSIGN_OR_RETURN(config.commands, ReadCommands(doc, r, base));
  VIGIL_ASSIGN_OR_RETURN(config.notify, ReadNotify(doc, r, base));
  if (config.channels && !config.ledger) {
    return r.Fail(&doc, "[channels] needs [ledger]: builds are checked against its receipts");
  }
  return config;
}

}  // namespace vigil::gateway
