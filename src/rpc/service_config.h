// The [service] table every service binary's configuration file has (library
// vigil_rpc_config):
//
//   [service]
//   listen = ["unix:NAME.sock"]   # where callers reach it
//   cert = "NAME.crt"             # its certificate and key (`vigil ca issue`)
//   key = "NAME.key"
//   ca = "ca.crt"                 # the deployment CA
//   policy = "policy.d"           # the call policy directory
//   audit_log = "audit.log"       # every decision
//
// plus keys of the binary's own, which it reads itself. Relative paths are relative to the
// configuration file.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/toml_reader.h"
#include "rpc/service_host.h"
#include "rpc/tls.h"

namespace vigil::rpc {

struct ServiceConfig {
  std::vector<std::string> listen;
  TlsFiles tls;
  std::filesystem::path policy_dir;
  std::filesystem::path audit_log;

  // The host options these settings give (limits left at their defaults).
  ServiceHostOptions HostOptions() const;
};

// Reads `service`, allowing the binary's `own_keys` beside the common ones. BadInput with
// file and line for an unknown or missing key.
Result<ServiceConfig> ReadServiceConfig(const TomlReader& reader, const toml::table& service,
                                        const std::filesystem::path& base,
                                        std::initializer_list<std::string_view> own_keys);

}  // namespace vigil::rpc
