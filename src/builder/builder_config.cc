#include "builder/builder_config.h"

#include <algorithm>

#include "base/debian_package.h"
#include "base/file.h"
#include "encoding/toml_reader.h"
#include "release/gpg.h"
#include "rpc/service_config_reader.h"
#include "tlog/note.h"
#include "tlog/witness_policy.h"

namespace vigil::builder {
namespace {

constexpr std::uint64_t kMaxConfigSize = 1 << 20;

bool IsName(std::string_view name, std::size_t max) {
  return !name.empty() && name.size() <= max && name.front() != '.' && name.front() != '-' &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") ==
             std::string_view::npos;
}

// [components.NAME.inputs.FILE]: exactly one source and its SHA-256.
Result<ExternalInput> ReadInput(const TomlReader& reader, const std::string& where,
                                const std::string& name, const toml::node& node) {
  if (!IsInputName(name)) {
    return reader.Fail(
        &node, "input name '" + name + "' must be 1-128 of A-Z a-z 0-9 . _ + ~ - (a file name)");
  }
  if (!node.is_table()) return reader.Fail(&node, "'" + where + "' must be a table");
  const toml::table& table = *node.as_table();
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(table, where, {"debian", "url", "sha256"}));
  ExternalInput input;
  input.pinned.name = name;
  VIGIL_ASSIGN_OR_RETURN(std::string debian,
                         reader.String(table, "debian", where + ".debian", false));
  VIGIL_ASSIGN_OR_RETURN(input.url, reader.String(table, "url", where + ".url", false));
  if (debian.empty() == input.url.empty()) {
    return reader.Fail(&table, "'" + where +
                                   "' needs exactly one source: debian = \"PACKAGE=VERSION\" "
                                   "or url = \"https://...\"");
  }
  if (!debian.empty()) {
    const auto equals = debian.find('=');
    input.package = debian.substr(0, equals);
    if (equals != std::string::npos) input.version = debian.substr(equals + 1);
    if (!IsDebianPackageName(input.package) || !IsDebianVersion(input.version)) {
      return reader.Fail(table.get("debian"),
                         "'" + where + ".debian' must be PACKAGE=VERSION, exactly as pinned");
    }
  } else if (!input.url.starts_with("https://") && !input.url.starts_with("http://")) {
    return reader.Fail(table.get("url"), "'" + where + ".url' must be an http(s) URL");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string sha256,
                         reader.String(table, "sha256", where + ".sha256", true));
  auto digest = crypto::ParseSha256Hex(sha256, where + ".sha256");
  if (!digest.ok()) return reader.Fail(table.get("sha256"), digest.error().message());
  input.pinned.sha256 = *digest;
  return input;
}

// What a component may set besides its source: inputs, its own time limit, the cache.
Status ReadComponentOptions(const TomlReader& reader, const std::string& where,
                            const toml::table& table, std::chrono::seconds default_timeout,
                            ComponentConfig& component) {
  VIGIL_ASSIGN_OR_RETURN(auto seconds,
                         reader.Integer(table, "build_seconds", where + ".build_seconds",
                                        default_timeout.count(), 1, kMaxBuildTimeout.count()));
  component.build_timeout = std::chrono::seconds(seconds);
  VIGIL_ASSIGN_OR_RETURN(component.cache, reader.Bool(table, "cache", where + ".cache", false));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* inputs, reader.Table(table, "inputs"));
  if (inputs == nullptr) return OkStatus();
  if (inputs->size() > kMaxInputs) {
    return reader.Fail(
        inputs, "'" + where + ".inputs' has more than " + std::to_string(kMaxInputs) + " inputs");
  }
  for (const auto& [name, node] : *inputs) {
    const std::string input_name(name.str());
    VIGIL_ASSIGN_OR_RETURN(ExternalInput input,
                           ReadInput(reader, where + ".inputs." + input_name, input_name, node));
    component.inputs.push_back(std::move(input));
  }
  std::sort(component.inputs.begin(), component.inputs.end(),
            [](const auto& a, const auto& b) { return a.pinned.name < b.pinned.name; });
  return OkStatus();
}

Result<ComponentConfig> ReadComponent(const TomlReader& reader, const std::string& name,
                                      const toml::table& table, const fs::path& base,
                                      std::chrono::seconds default_timeout) {
  const std::string where = "components." + name;
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(table, where,
                       {"repository", "branch", "spec", "keyring", "maintainers", "threshold",
                        "key", "commit", "command", "build_seconds", "cache", "inputs"}));
  ComponentConfig component;
  component.name = name;
  VIGIL_RETURN_IF_ERROR(ReadComponentOptions(reader, where, table, default_timeout, component));
  SourcePolicy& source = component.source;
  VIGIL_ASSIGN_OR_RETURN(source.repository,
                         reader.String(table, "repository", where + ".repository", true));
  if (source.repository.find("://") == std::string::npos && !source.repository.starts_with("/")) {
    source.repository = (base / source.repository).string();
  }
  VIGIL_ASSIGN_OR_RETURN(source.branch, reader.String(table, "branch", where + ".branch", false));
  if (source.branch.empty()) source.branch = "main";
  VIGIL_ASSIGN_OR_RETURN(component.spec, reader.String(table, "spec", where + ".spec", true));
  if (component.spec.starts_with("/") || component.spec.find("..") != std::string::npos) {
    return reader.Fail(table.get("spec"), "'" + where +
                                              ".spec' must be a path inside the "
                                              "repository (relative, without '..')");
  }
  VIGIL_ASSIGN_OR_RETURN(component.key, reader.String(table, "key", where + ".key", true));
  VIGIL_ASSIGN_OR_RETURN(source.pinned_commit,
                         reader.String(table, "commit", where + ".commit", false));
  if (!source.pinned_commit.empty() &&
      (source.pinned_commit.size() != 40 ||
       source.pinned_commit.find_first_not_of("0123456789abcdef") != std::string::npos)) {
    return reader.Fail(table.get("commit"),
                       "'" + where + ".commit' must be a full commit id (40 lowercase hex digits)");
  }
  VIGIL_ASSIGN_OR_RETURN(component.command,
                         reader.StringList(table, "command", where + ".command"));
  if (table.contains("command") && component.command.empty()) {
    return reader.Fail(table.get("command"), "'" + where + ".command' must not be empty");
  }
  if (!source.pinned_commit.empty()) return component;

  VIGIL_ASSIGN_OR_RETURN(std::string keyring,
                         reader.String(table, "keyring", where + ".keyring", true));
  source.keyring = base / keyring;
  VIGIL_ASSIGN_OR_RETURN(auto maintainers,
                         reader.StringList(table, "maintainers", where + ".maintainers"));
  if (maintainers.empty()) {
    return reader.Fail(&table, where +
                                   " needs 'maintainers' (their key fingerprints) or a "
                                   "pinned 'commit'");
  }
  for (const std::string& fingerprint : maintainers) {
    auto normalized = release::NormalizeFingerprint(fingerprint);
    if (!normalized.ok())
      return reader.Fail(table.get("maintainers"), normalized.error().message());
    source.maintainers.push_back(*normalized);
  }
  VIGIL_ASSIGN_OR_RETURN(std::int64_t threshold,
                         reader.Integer(table, "threshold", where + ".threshold", 1, 1,
                                        static_cast<std::int64_t>(source.maintainers.size())));
  source.threshold = static_cast<int>(threshold);
  return component;
}

// [gateway] (optional): address and name of the gateway told of each published build.
Status ReadGateway(const toml::table& doc, const TomlReader& reader, BuilderConfig& config) {
  VIGIL_ASSIGN_OR_RETURN(const toml::table* gateway, reader.Table(doc, "gateway"));
  if (gateway == nullptr) return OkStatus();
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*gateway, "gateway", {"address", "name"}));
  VIGIL_ASSIGN_OR_RETURN(config.gateway_address,
                         reader.String(*gateway, "address", "gateway.address", true));
  VIGIL_ASSIGN_OR_RETURN(config.gateway_name,
                         reader.String(*gateway, "name", "gateway.name", false));
  return OkStatus();
}

// [ledger]: where build logs go, the key its receipts are checked with, and the witnesses'
// cosignatures they must carry (optional).
Status ReadLedger(const toml::table& ledger, const TomlReader& reader, const fs::path& base,
                  BuilderConfig& config) {
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(ledger, "ledger", {"address", "verifier_key", "name", "witness_policy"}));
  VIGIL_ASSIGN_OR_RETURN(config.ledger_address,
                         reader.String(ledger, "address", "ledger.address", true));
  VIGIL_ASSIGN_OR_RETURN(std::string verifier_key,
                         reader.String(ledger, "verifier_key", "ledger.verifier_key", true));
  auto verifier = tlog::NoteVerifier::Parse(verifier_key);
  if (!verifier.ok()) return reader.Fail(ledger.get("verifier_key"), verifier.error().message());
  config.ledger_verifier = *verifier;
  VIGIL_ASSIGN_OR_RETURN(config.ledger_name, reader.String(ledger, "name", "ledger.name", false));
  VIGIL_ASSIGN_OR_RETURN(
      std::filesystem::path witness_policy,
      reader.Path(ledger, "witness_policy", "ledger.witness_policy", base, false));
  if (!witness_policy.empty()) {
    auto policy = tlog::ReadWitnessPolicy(witness_policy);
    if (!policy.ok()) return reader.Fail(ledger.get("witness_policy"), policy.error().message());
    config.witness_policy = std::move(policy).value();
  }
  return OkStatus();
}

}  // namespace

Result<BuilderConfig> LoadBuilderConfig(const fs::path& path, const fs::path& default_tools) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxConfigSize));
  const std::string origin = path.string();
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(AsText(bytes), origin));
  const fs::path base = path.has_parent_path() ? path.parent_path() : ".";
  TomlReader reader(origin);
  VIGIL_RETURN_IF_ERROR(
      reader.CheckKeys(doc, "the builder configuration",
                       {"service", "ledger", "signer", "gateway", "limits", "components"}));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* service, reader.Table(doc, "service"));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* ledger, reader.Table(doc, "ledger"));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* signer, reader.Table(doc, "signer"));
  if (service == nullptr || ledger == nullptr || signer == nullptr) {
    return reader.Fail(nullptr, "needs the tables [service], [ledger] and [signer]");
  }
  BuilderConfig config;
  VIGIL_ASSIGN_OR_RETURN(
      config.service,
      rpc::ReadServiceConfig(reader, *service, base, {"work_dir", "repository", "tools"}));
  VIGIL_ASSIGN_OR_RETURN(config.work_dir,
                         reader.Path(*service, "work_dir", "service.work_dir", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.repository,
                         reader.Path(*service, "repository", "service.repository", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.tools,
                         reader.Path(*service, "tools", "service.tools", base, false));
  if (config.tools.empty()) config.tools = default_tools;

  VIGIL_RETURN_IF_ERROR(ReadLedger(*ledger, reader, base, config));
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(*signer, "signer", {"address", "name"}));
  VIGIL_ASSIGN_OR_RETURN(config.signer_address,
                         reader.String(*signer, "address", "signer.address", true));
  VIGIL_ASSIGN_OR_RETURN(config.signer_name, reader.String(*signer, "name", "signer.name", false));
  VIGIL_RETURN_IF_ERROR(ReadGateway(doc, reader, config));

  VIGIL_ASSIGN_OR_RETURN(const toml::table* limits, reader.Table(doc, "limits"));
  if (limits != nullptr) {
    VIGIL_RETURN_IF_ERROR(
        reader.CheckKeys(*limits, "limits", {"build_seconds", "max_file_bytes", "max_log_lines"}));
    VIGIL_ASSIGN_OR_RETURN(auto seconds,
                           reader.Integer(*limits, "build_seconds", "limits.build_seconds", 900, 1,
                                          kMaxBuildTimeout.count()));
    config.build_timeout = std::chrono::seconds(seconds);
    VIGIL_ASSIGN_OR_RETURN(auto bytes_limit,
                           reader.Integer(*limits, "max_file_bytes", "limits.max_file_bytes",
                                          256ll << 20, 1024, 64ll << 30));
    config.max_file_bytes = static_cast<std::uint64_t>(bytes_limit);
    VIGIL_ASSIGN_OR_RETURN(
        auto lines,
        reader.Integer(*limits, "max_log_lines", "limits.max_log_lines", 200000, 10, 100000000));
    config.max_log_lines = static_cast<std::uint64_t>(lines);
  }

  VIGIL_ASSIGN_OR_RETURN(const toml::table* components, reader.Table(doc, "components"));
  if (components != nullptr) {
    for (const auto& [name, node] : *components) {
      const std::string component(name.str());
      if (!IsName(component, 64)) {
        return reader.Fail(&node,
                           "component name '" + component + "' must be 1-64 of a-z 0-9 . _ -");
      }
      if (!node.is_table())
        return reader.Fail(&node, "components." + component + " must be a table");
      VIGIL_ASSIGN_OR_RETURN(
          ComponentConfig parsed,
          ReadComponent(reader, component, *node.as_table(), base, config.build_timeout));
      config.components.emplace(component, std::move(parsed));
    }
  }
  return config;
}

}  // namespace vigil::builder
