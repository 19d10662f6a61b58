#include "rpc/service_config.h"

#include <algorithm>

#include "rpc/service_config_reader.h"
#include "rpc/service_host.h"

namespace vigil::rpc {
namespace {

constexpr std::string_view kCommonKeys[] = {"listen", "cert", "key", "ca", "policy", "audit_log"};

}  // namespace

ServiceHostOptions ServiceConfig::HostOptions() const {
  ServiceHostOptions options;
  options.tls = tls;
  options.policy_dir = policy_dir;
  options.audit_log = audit_log;
  return options;
}

Result<ServiceConfig> ReadServiceConfig(const TomlReader& reader, const toml::table& service,
                                        const std::filesystem::path& base,
                                        std::initializer_list<std::string_view> own_keys) {
  for (const auto& [key, value] : service) {
    const std::string_view name = key.str();
    const bool known =
        std::find(std::begin(kCommonKeys), std::end(kCommonKeys), name) != std::end(kCommonKeys) ||
        std::find(own_keys.begin(), own_keys.end(), name) != own_keys.end();
    if (!known) {
      std::string allowed;
      for (std::string_view k : kCommonKeys)
        allowed += (allowed.empty() ? "" : ", ") + std::string(k);
      for (std::string_view k : own_keys) allowed += ", " + std::string(k);
      return reader.Fail(
          &value, "unknown key '" + std::string(name) + "' in service; allowed keys: " + allowed);
    }
  }
  ServiceConfig config;
  VIGIL_ASSIGN_OR_RETURN(config.listen, reader.StringList(service, "listen", "service.listen"));
  if (config.listen.empty()) {
    return reader.Fail(&service,
                       "'service.listen' must list addresses (unix:PATH or tcp:HOST:PORT)");
  }
  VIGIL_ASSIGN_OR_RETURN(config.tls.certificate,
                         reader.Path(service, "cert", "service.cert", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.tls.key, reader.Path(service, "key", "service.key", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.tls.ca, reader.Path(service, "ca", "service.ca", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.policy_dir,
                         reader.Path(service, "policy", "service.policy", base, true));
  VIGIL_ASSIGN_OR_RETURN(config.audit_log,
                         reader.Path(service, "audit_log", "service.audit_log", base, true));
  return config;
}

}  // namespace vigil::rpc
