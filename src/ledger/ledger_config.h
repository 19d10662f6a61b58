// vigil-ledger's configuration: a file with the same [service] table as the signer's and the
// builder's, and the command-line flags, which override the file key by key (TOML; relative
// file paths are relative to the file, socket addresses to the working directory):
//
//   [service]
//   listen = ["unix:ledger.sock"]  # where builders and signers call (vigil.BuildLog, Append)
//   cert = "ledger.crt"
//   key = "ledger.key"
//   ca = "ca.crt"
//   policy = "policy.d"
//   audit_log = "audit.log"
//   dir = "log"                    # the log directory (`vigil log init`)
//   http = "127.0.0.1:8080"        # optional: the public read API (default 127.0.0.1:0)
//   idle_timeout_seconds = 60      # optional: how long a call may stay silent
//   witness_policy = "witnesses"   # optional: C2SP tlog-policy; checkpoints are published
//                                  # only once its quorum cosigned (docs/SPEC-witness.md)
//   witness_wait_seconds = 10      # optional: how long a checkpoint waits for the quorum
//   database = "postgresql:///vigil?host=/run/postgresql"
//                                  # optional: the log in PostgreSQL, shared by several
//                                  # ledgers (`dir` then holds the key and the logs' text)
//   lease_seconds = 2              # optional: the sequencer lease's time to live
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "rpc/service_config.h"

namespace vigil::ledger {

struct LedgerConfig {
  rpc::ServiceConfig service;
  std::filesystem::path dir;
  std::string http_host = "127.0.0.1";
  int http_port = 0;
  std::chrono::milliseconds idle_timeout{60000};
  std::filesystem::path witness_policy;  // empty: no witnesses
  std::chrono::milliseconds witness_wait{10000};
  std::string database;  // empty: the log is in `dir`
  std::chrono::milliseconds lease{2000};

  // The host options these settings give.
  rpc::ServiceHostOptions HostOptions() const;
};

// The flags given on the command line: each one that is set overrides the file's value.
struct LedgerFlags {
  std::optional<std::filesystem::path> dir, cert, key, ca, policy, audit_log;
  std::vector<std::string> listen;  // empty: not given
  std::optional<std::string> http;
  std::optional<double> idle_timeout_seconds;  // 1 to 86400
  std::optional<std::filesystem::path> witness_policy;
  std::optional<double> witness_wait_seconds;  // 1 to 3600
  std::optional<std::string> database;
  std::optional<double> lease_seconds;  // 0.5 to 60
};

// Reads and validates the file: BadInput with file and line for anything wrong or unknown.
Result<LedgerConfig> LoadLedgerConfig(const std::filesystem::path& path);

// The configuration from `file` (when given) with `flags` over it; BadInput naming each
// setting that neither gives (flag and file key).
Result<LedgerConfig> ResolveLedgerConfig(const std::optional<LedgerConfig>& file,
                                         const LedgerFlags& flags);

// "HOST:PORT" (port 0: any) into the config's http_host and http_port.
Status SetHttpAddress(LedgerConfig& config, const std::string& address);

}  // namespace vigil::ledger
