#include "signer/signer_config.h"

#include "base/file.h"
#include "encoding/toml_reader.h"
#include "pg/connection.h"
#include "rpc/service_config_reader.h"
#include "tlog/note.h"
#include "tlog/witness_policy.h"

namespace vigil::signer {
namespace {

constexpr std::uint64_t kMaxConfigSize = 256 * 1024;
constexpr std::size_t kMaxKeys = 64;

bool IsKeyName(std::string_view name) {
  return !name.empty() && name.size() <= 32 &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") ==
             std::string_view::npos;
}

Result<KeyConfig> ReadKey(const TomlReader& reader, const std::string& name,
                          const toml::table& table, const std::filesystem::path& base) {
  const std::string where = "keys." + name;
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(
      table, where,
      {"algorithm", "file", "pkcs11_module", "pkcs11_token", "pkcs11_pin_file", "pkcs11_label"}));
  KeyConfig key;
  key.name = name;
  VIGIL_ASSIGN_OR_RETURN(std::string algorithm,
                         reader.String(table, "algorithm", where + ".algorithm", true));
  auto parsed = crypto::ParseKeyAlgorithm(algorithm);
  if (!parsed.ok()) return reader.Fail(table.get("algorithm"), parsed.error().message());
  key.algorithm = *parsed;
  VIGIL_ASSIGN_OR_RETURN(std::string file, reader.String(table, "file", where + ".file", false));
  VIGIL_ASSIGN_OR_RETURN(std::string module,
                         reader.String(table, "pkcs11_module", where + ".pkcs11_module", false));
  if (file.empty() == module.empty()) {
    return reader.Fail(&table, where +
                                   " needs exactly one of 'file' (a key file) or "
                                   "'pkcs11_module' (a key on a PKCS#11 token)");
  }
  if (!file.empty()) {
    key.file = base / file;
    return key;
  }
  key.pkcs11_module = module;
  VIGIL_ASSIGN_OR_RETURN(key.pkcs11_token,
                         reader.String(table, "pkcs11_token", where + ".pkcs11_token", true));
  VIGIL_ASSIGN_OR_RETURN(std::string pin,
                         reader.String(table, "pkcs11_pin_file", where + ".pkcs11_pin_file", true));
  key.pkcs11_pin_file = base / pin;
  VIGIL_ASSIGN_OR_RETURN(key.pkcs11_label,
                         reader.String(table, "pkcs11_label", where + ".pkcs11_label", false));
  if (key.pkcs11_label.empty()) key.pkcs11_label = name;
  return key;
}

}  // namespace

Result<SignerConfig> LoadSignerConfig(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxConfigSize));
  const std::string origin = path.string();
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(AsText(bytes), origin));
  const std::filesystem::path base = path.has_parent_path() ? path.parent_path() : ".";
  TomlReader reader(origin);
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(doc, "the signer configuration", {"service", "ledger", "keys"}));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* service, reader.Table(doc, "service"));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* ledger, reader.Table(doc, "ledger"));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* keys, reader.Table(doc, "keys"));
  if (service == nullptr || ledger == nullptr || keys == nullptr) {
    return reader.Fail(nullptr, "needs the tables [service], [ledger] and [keys.NAME]");
  }
  SignerConfig config;
  VIGIL_ASSIGN_OR_RETURN(config.service,
                         rpc::ReadServiceConfig(reader, *service, base, {"state_dir", "database"}));
  VIGIL_ASSIGN_OR_RETURN(config.state_dir,
                         reader.Path(*service, "state_dir", "service.state_dir", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.database,
                         reader.String(*service, "database", "service.database", false));
  if (!config.database.empty()) {
    Status url = pg::CheckDatabaseUrl(config.database);
    if (!url.ok()) return reader.Fail(service->get("database"), url.error().message());
  }

  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(
      *ledger, "ledger",
      {"address", "verifier_key", "origin", "name", "freshness_seconds", "witness_policy"}));
  VIGIL_ASSIGN_OR_RETURN(config.ledger_address,
                         reader.String(*ledger, "address", "ledger.address", true));
  VIGIL_ASSIGN_OR_RETURN(std::string verifier_key,
                         reader.String(*ledger, "verifier_key", "ledger.verifier_key", true));
  auto verifier = tlog::NoteVerifier::Parse(verifier_key);
  if (!verifier.ok()) {
    return reader.Fail(ledger->get("verifier_key"), verifier.error().message());
  }
  config.ledger_verifier = *verifier;
  VIGIL_ASSIGN_OR_RETURN(config.ledger_origin,
                         reader.String(*ledger, "origin", "ledger.origin", false));
  if (config.ledger_origin.empty()) config.ledger_origin = verifier->name();
  VIGIL_ASSIGN_OR_RETURN(config.ledger_name, reader.String(*ledger, "name", "ledger.name", false));
  VIGIL_ASSIGN_OR_RETURN(std::int64_t freshness,
                         reader.Integer(*ledger, "freshness_seconds", "ledger.freshness_seconds",
                                        600, 1, 7 * 24 * 3600));
  config.freshness = std::chrono::seconds(freshness);
  VIGIL_ASSIGN_OR_RETURN(
      std::filesystem::path witness_policy,
      reader.Path(*ledger, "witness_policy", "ledger.witness_policy", base, false));
  if (!witness_policy.empty()) {
    auto policy = tlog::ReadWitnessPolicy(witness_policy);
    if (!policy.ok()) return reader.Fail(ledger->get("witness_policy"), policy.error().message());
    config.witness_policy = std::move(policy).value();
  }

  if (keys->empty() || keys->size() > kMaxKeys) {
    return reader.Fail(keys, "configure 1 to " + std::to_string(kMaxKeys) + " [keys.NAME] tables");
  }
  for (const auto& [name, node] : *keys) {
    const std::string key_name(name.str());
    if (!IsKeyName(key_name)) {
      return reader.Fail(&node, "key name '" + key_name + "' must be 1-32 of a-z 0-9 . _ -");
    }
    if (!node.is_table()) return reader.Fail(&node, "keys." + key_name + " must be a table");
    VIGIL_ASSIGN_OR_RETURN(KeyConfig key, ReadKey(reader, key_name, *node.as_table(), base));
    config.keys.emplace(key_name, std::move(key));
  }
  return config;
}

}  // namespace vigil::signer
