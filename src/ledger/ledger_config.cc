#include "ledger/ledger_config.h"

#include "base/file.h"
#include "base/strict_number.h"
#include "encoding/toml_reader.h"
#include "pg/connection.h"
#include "rpc/service_config_reader.h"
#include "rpc/service_host.h"

namespace vigil::ledger {
namespace {

constexpr std::uint64_t kMaxConfigSize = 64 * 1024;
constexpr double kMaxIdleSeconds = 86400;
constexpr double kMaxWitnessWaitSeconds = 3600;

template <typename T>
void Override(T& value, const std::optional<T>& flag) {
  if (flag.has_value()) value = *flag;
}

// Each required setting neither the file nor a flag gave, as "--FLAG (service.KEY)".
std::string Missing(const LedgerConfig& config) {
  std::string missing;
  auto need = [&missing](bool set, const char* flag, const char* key) {
    if (set) return;
    missing += std::string(missing.empty() ? "" : ", ") + "--" + flag + " (service." + key + ")";
  };
  need(!config.dir.empty(), "dir", "dir");
  need(!config.service.listen.empty(), "listen", "listen");
  need(!config.service.tls.certificate.empty(), "cert", "cert");
  need(!config.service.tls.key.empty(), "key", "key");
  need(!config.service.tls.ca.empty(), "ca", "ca");
  need(!config.service.policy_dir.empty(), "policy", "policy");
  need(!config.service.audit_log.empty(), "audit-log", "audit_log");
  return missing;
}

// The optional database the log lives in, shared with other ledgers, and the lease's time.
Status ReadDatabase(const TomlReader& reader, const toml::table& service, LedgerConfig& config) {
  VIGIL_ASSIGN_OR_RETURN(config.database,
                         reader.String(service, "database", "service.database", false));
  if (!config.database.empty()) {
    Status url = pg::CheckDatabaseUrl(config.database);
    if (!url.ok()) return reader.Fail(service.get("database"), url.error().message());
  }
  VIGIL_ASSIGN_OR_RETURN(std::int64_t lease, reader.Integer(service, "lease_seconds",
                                                            "service.lease_seconds", 2, 1, 60));
  config.lease = std::chrono::seconds(lease);
  return OkStatus();
}

}  // namespace

rpc::ServiceHostOptions LedgerConfig::HostOptions() const {
  rpc::ServiceHostOptions options = service.HostOptions();
  options.limits.idle_timeout = idle_timeout;
  return options;
}

Status SetHttpAddress(LedgerConfig& config, const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Error::BadInput("the HTTP address must be HOST:PORT, e.g. 127.0.0.1:8080");
  }
  const ScannedNumber<std::uint64_t> port = ScanUnsigned(address.substr(colon + 1), 0, 65535);
  if (!port.ok()) {
    return Error::BadInput("the HTTP address must be HOST:PORT with a port of 0 to 65535, not '" +
                           address + "'");
  }
  config.http_host = address.substr(0, colon);
  config.http_port = static_cast<int>(port.value);
  return OkStatus();
}

Result<LedgerConfig> LoadLedgerConfig(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxConfigSize));
  const std::string origin = path.string();
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(AsText(bytes), origin));
  const std::filesystem::path base = path.has_parent_path() ? path.parent_path() : ".";
  TomlReader reader(origin);
  VIGIL_RETURN_IF_ERROR(reader.CheckKeys(doc, "the ledger configuration", {"service"}));
  VIGIL_ASSIGN_OR_RETURN(const toml::table* service, reader.Table(doc, "service"));
  if (service == nullptr) return reader.Fail(nullptr, "needs the table [service]");
  LedgerConfig config;
  VIGIL_ASSIGN_OR_RETURN(
      config.service,
      rpc::ReadServiceConfig(reader, *service, base,
                             {"dir", "http", "idle_timeout_seconds", "witness_policy",
                              "witness_wait_seconds", "database", "lease_seconds"}));
  VIGIL_ASSIGN_OR_RETURN(config.dir, reader.Path(*service, "dir", "service.dir", base, true));
  VIGIL_ASSIGN_OR_RETURN(std::string http, reader.String(*service, "http", "service.http", false));
  if (!http.empty()) {
    Status set = SetHttpAddress(config, http);
    if (!set.ok()) return reader.Fail(service->get("http"), set.error().message());
  }
  VIGIL_ASSIGN_OR_RETURN(
      std::int64_t idle,
      reader.Integer(*service, "idle_timeout_seconds", "service.idle_timeout_seconds", 60, 1,
                     static_cast<std::int64_t>(kMaxIdleSeconds)));
  config.idle_timeout = std::chrono::seconds(idle);
  VIGIL_ASSIGN_OR_RETURN(config.witness_policy, reader.Path(*service, "witness_policy",
                                                            "service.witness_policy", base, false));
  VIGIL_ASSIGN_OR_RETURN(
      std::int64_t wait,
      reader.Integer(*service, "witness_wait_seconds", "service.witness_wait_seconds", 10, 1,
                     static_cast<std::int64_t>(kMaxWitnessWaitSeconds)));
  config.witness_wait = std::chrono::seconds(wait);
  VIGIL_RETURN_IF_ERROR(ReadDatabase(reader, *service, config));
  return config;
}

Result<LedgerConfig> ResolveLedgerConfig(const std::optional<LedgerConfig>& file,
                                         const LedgerFlags& flags) {
  LedgerConfig config = file.value_or(LedgerConfig{});
  Override(config.dir, flags.dir);
  Override(config.service.tls.certificate, flags.cert);
  Override(config.service.tls.key, flags.key);
  Override(config.service.tls.ca, flags.ca);
  Override(config.service.policy_dir, flags.policy);
  Override(config.service.audit_log, flags.audit_log);
  if (!flags.listen.empty()) config.service.listen = flags.listen;
  if (flags.http.has_value()) VIGIL_RETURN_IF_ERROR(SetHttpAddress(config, *flags.http));
  if (flags.idle_timeout_seconds.has_value()) {
    const double seconds = *flags.idle_timeout_seconds;
    if (!(seconds >= 1 && seconds <= kMaxIdleSeconds)) {
      return Error::BadInput("--idle-timeout must be 1 to 86400 seconds");
    }
    config.idle_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  }
  Override(config.witness_policy, flags.witness_policy);
  if (flags.witness_wait_seconds.has_value()) {
    const double seconds = *flags.witness_wait_seconds;
    if (!(seconds >= 0.1 && seconds <= kMaxWitnessWaitSeconds)) {
      return Error::BadInput("--witness-wait must be 0.1 to 3600 seconds");
    }
    config.witness_wait = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  }
  if (flags.database.has_value()) {
    VIGIL_RETURN_IF_ERROR(pg::CheckDatabaseUrl(*flags.database));
    config.database = *flags.database;
  }
  if (flags.lease_seconds.has_value()) {
    const double seconds = *flags.lease_seconds;
    if (!(seconds >= 0.5 && seconds <= 60)) {
      return Error::BadInput("--lease-seconds must be 0.5 to 60");
    }
    config.lease = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  }
  const std::string missing = Missing(config);
  if (!missing.empty()) {
    return Error::BadInput("missing " + missing +
                           ": give each as a flag or in the [service] table of --config FILE");
  }
  return config;
}

}  // namespace vigil::ledger
