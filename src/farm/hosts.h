// A multi-host deployment's plan (`vigil farm hosts HOSTS.toml --out DIR`): which host runs
// which roles, at which address. Read strictly; docs/OPERATIONS.md, "Several hosts with
// vigil farm hosts".
//
//   origin = "vigil.example/ledger"   # optional: the ledger's log origin
//   database = "postgresql://vigil@10.0.0.8:5432/vigil"   # optional: the log in PostgreSQL,
//                                     # shared by every ledger host (then two or more may run)
//   [[host]]
//   name = "builder-1"                # 1-63 of a-z 0-9 . -: its directory; a builder's
//                                     # certificate name
//   address = "10.0.0.4"              # what the others dial, and where it listens
//   roles = ["builder"]               # ledger, signer, builder, gateway, witness
//   components = ["hello"]            # optional, builders only: what it builds (absent: all)
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::farm {

// The ports each role listens on, on its host's address.
inline constexpr std::uint16_t kLedgerCallPort = 7001;
inline constexpr std::uint16_t kSignerPort = 7002;
inline constexpr std::uint16_t kBuilderPort = 7003;
inline constexpr std::uint16_t kLedgerHttpPort = 8081;   // the ledger's public read API
inline constexpr std::uint16_t kGatewayHttpPort = 8080;  // webhooks and commands
inline constexpr std::uint16_t kWitnessPort = 7005;      // tlog-witness over HTTP

struct HostSpec {
  std::string name;
  std::string address;
  std::vector<std::string> roles;
  std::vector<std::string> components;  // builders only; empty: all
  bool Runs(std::string_view role) const;
};

struct HostsPlan {
  std::string origin = "vigil.farm/ledger";
  // The PostgreSQL database every ledger host shares the log in; empty: the log is a
  // directory on the one ledger host.
  std::string database;
  std::vector<HostSpec> hosts;
  // The hosts running `role`, in the file's order.
  std::vector<const HostSpec*> HostsOf(std::string_view role) const;
  // The one host running a role that runs once (signer, gateway; the ledger without a
  // database).
  const HostSpec& Only(std::string_view role) const;
  // What clients dial for the ledger: every ledger host's call address, comma-separated.
  std::string LedgerAddress() const;
};

// Parses HOSTS.toml's text (`origin` names the file in errors). BadInput "FILE:LINE: ..."
// for unknown keys, a duplicate host name or address, an unknown role, a role on no host
// (or, for the signer and the gateway, on two; for the ledger, on two without `database`), a
// builder named like a role, a database that is not a postgresql:// URL.
Result<HostsPlan> ParseHostsPlan(std::string_view text, const std::string& origin);
Result<HostsPlan> ReadHostsPlan(const std::filesystem::path& file);

// "tcp:ADDRESS:PORT" (an IPv6 address in brackets).
std::string TcpAddress(const HostSpec& host, std::uint16_t port);

}  // namespace vigil::farm
