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
#include <string>
#include <vector>

#include "rpc/tls_context.h"

namespace vigil::rpc {

struct ServiceHostOptions;  // rpc/service_host.h

struct ServiceConfig {
  std::vector<std::string> listen;
  TlsFiles tls;
  std::filesystem::path policy_dir;
  std::filesystem::path audit_log;

  // The host options these settings give (limits left at their defaults).
  ServiceHostOptions HostOptions() const;
};

}  // namespace vigil::rpc
