// The files of a farm on one machine (`vigil farm up [DIR]`): every role's certificate,
// key, configuration, policy, socket, log and pid file under DIR.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "base/result.h"

namespace vigil::farm {

struct FarmLayout {
  explicit FarmLayout(std::filesystem::path root) : dir(std::move(root)) {}
  std::filesystem::path dir;
  std::filesystem::path ca() const { return dir / "ca"; }
  std::filesystem::path ledger_dir() const { return dir / "ledger"; }
  std::filesystem::path run() const { return dir / "run"; }
  std::filesystem::path logs() const { return dir / "logs"; }
  std::filesystem::path socket(const std::string& role) const { return run() / (role + ".sock"); }
  std::filesystem::path pid_file(const std::string& role) const { return run() / (role + ".pid"); }
  std::filesystem::path log(const std::string& role) const { return logs() / (role + ".log"); }
  std::filesystem::path policy(const std::string& role) const { return dir / "policy" / role; }
  std::filesystem::path signer_config() const { return dir / "signer.toml"; }
  std::filesystem::path builder_config() const { return dir / "builder.toml"; }
  std::filesystem::path witness_policy() const { return dir / "witnesses"; }
  std::filesystem::path signing_key() const { return dir / "release.key"; }
  std::filesystem::path signing_public_key() const { return dir / "release.pub"; }
  std::filesystem::path ledger_url() const { return run() / "ledger.url"; }
  std::filesystem::path repository() const { return dir / "repo"; }
  // The gateway: its configuration, web address, webhook secret, the channels' TUF
  // repository, every TUF role key (root and targets belong offline: move them off this
  // machine) and the copies of the online ones the gateway signs with.
  std::filesystem::path gateway_config() const { return dir / "gateway.toml"; }
  std::filesystem::path gateway_url() const { return run() / "gateway.url"; }
  std::filesystem::path webhook_secret() const { return dir / "gateway-secrets" / "github"; }
  std::filesystem::path tuf() const { return dir / "tuf"; }
  std::filesystem::path tuf_keys() const { return dir / "tuf-keys"; }
  std::filesystem::path gateway_keys() const { return dir / "gateway-keys"; }
};

// For a DIR whose builder.toml exists: that DIR holds every file and directory CreateFarm
// makes (builder.toml is written last). BadInput naming what is missing otherwise, so a
// directory that merely holds a builder.toml is not mistaken for a farm.
Status CheckFarm(const FarmLayout& farm);

// The ledger's web address the running ledger announced (run/ledger.url, without its
// newline); nullopt when the farm has not started its ledger yet.
std::optional<std::string> LedgerUrl(const FarmLayout& farm);
// The same for the gateway's (run/gateway.url).
std::optional<std::string> GatewayUrl(const FarmLayout& farm);

}  // namespace vigil::farm
