#include "farm/hosts.h"

#include <algorithm>
#include <set>

#include "base/file.h"
#include "encoding/toml_reader.h"
#include "pg/connection.h"
#include "rpc/address.h"
#include "rpc/ca.h"

namespace vigil::farm {
namespace {

constexpr std::string_view kKnownRoles[] = {"ledger", "signer", "builder", "gateway", "witness"};
// Certificate names the roles other than builders carry: a builder named like one of them
// could pass for it.
constexpr std::string_view kReservedNames[] = {"ledger", "signer", "gateway", "operator",
                                               "witness"};

bool Known(std::string_view role) {
  return std::find(std::begin(kKnownRoles), std::end(kKnownRoles), role) != std::end(kKnownRoles);
}

Status CheckAddress(const TomlReader& r, const toml::table& table, const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  const std::string dialed = "tcp:" + (v6 ? "[" + address + "]" : address) + ":1";
  if (address.empty() || address.find_first_of("[]/ \t") != std::string::npos ||
      !rpc::ParseAddress(dialed).ok()) {
    return r.Fail(&table, "address '" + address +
                              "' is not a host name or IP address (write it bare: "
                              "10.0.0.4, db.example.org or fd00::4)");
  }
  return OkStatus();
}

Result<HostSpec> ReadHost(const TomlReader& r, const toml::table& table) {
  VIGIL_RETURN_IF_ERROR(r.CheckKeys(table, "[[host]]", {"name", "address", "roles", "components"}));
  HostSpec host;
  VIGIL_ASSIGN_OR_RETURN(host.name, r.String(table, "name", "host.name", true));
  if (!rpc::IsRoleName(host.name)) {
    return r.Fail(&table, "host name '" + host.name +
                              "' must be 1-63 of a-z 0-9 . -, starting with a letter or digit");
  }
  VIGIL_ASSIGN_OR_RETURN(host.address, r.String(table, "address", "host.address", true));
  VIGIL_RETURN_IF_ERROR(CheckAddress(r, table, host.address));
  VIGIL_ASSIGN_OR_RETURN(host.roles, r.StringList(table, "roles", "host.roles"));
  if (host.roles.empty()) return r.Fail(&table, "host " + host.name + " has no roles");
  std::set<std::string> seen;
  for (const std::string& role : host.roles) {
    if (!Known(role)) {
      return r.Fail(table.get("roles"), "unknown role '" + role + "' on host " + host.name +
                                            "; roles: ledger, signer, builder, gateway, witness");
    }
    if (!seen.insert(role).second) {
      return r.Fail(table.get("roles"), "host " + host.name + " lists " + role + " twice");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(host.components, r.StringList(table, "components", "host.components"));
  if (table.contains("components") && !host.Runs("builder")) {
    return r.Fail(table.get("components"),
                  "components are for builder hosts; " + host.name + " runs no builder");
  }
  if (host.Runs("builder") && std::find(std::begin(kReservedNames), std::end(kReservedNames),
                                        host.name) != std::end(kReservedNames)) {
    return r.Fail(&table, "a builder host may not be named " + host.name +
                              ": its certificate would carry another role's name; call it "
                              "builder-1, builder-2, ...");
  }
  return host;
}

// Every role has its host; the signer and the gateway exactly one, the ledger one unless
// the plan names the database in which several share the log.
Status CheckRoles(const TomlReader& r, const HostsPlan& plan) {
  for (std::string_view role : {"ledger", "signer", "builder", "gateway"}) {
    const auto hosts = plan.HostsOf(role);
    if (hosts.empty()) {
      return r.Fail(nullptr, "no host runs the " + std::string(role) + ": add \"" +
                                 std::string(role) + "\" to the roles of a [[host]]");
    }
    const bool shared_log = role == "ledger" && !plan.database.empty();
    if (role != "builder" && !shared_log && hosts.size() > 1) {
      std::string why = role == "ledger"
                            ? "several ledgers share one log in PostgreSQL: name it with a "
                              "top-level database = \"postgresql://...\", or"
                            : "it runs once per deployment;";
      return r.Fail(nullptr, "the " + std::string(role) + " is on hosts " + hosts[0]->name +
                                 " and " + hosts[1]->name + ": " + why + " keep one");
    }
  }
  return OkStatus();
}

}  // namespace

bool HostSpec::Runs(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::vector<const HostSpec*> HostsPlan::HostsOf(std::string_view role) const {
  std::vector<const HostSpec*> out;
  for (const HostSpec& host : hosts) {
    if (host.Runs(role)) out.push_back(&host);
  }
  return out;
}

const HostSpec& HostsPlan::Only(std::string_view role) const { return *HostsOf(role).front(); }

std::string HostsPlan::LedgerAddress() const {
  std::string out;
  for (const HostSpec* ledger : HostsOf("ledger")) {
    out += (out.empty() ? "" : ",") + TcpAddress(*ledger, kLedgerCallPort);
  }
  return out;
}

std::string TcpAddress(const HostSpec& host, std::uint16_t port) {
  const bool v6 = host.address.find(':') != std::string::npos;
  return "tcp:" + (v6 ? "[" + host.address + "]" : host.address) + ":" + std::to_string(port);
}

Result<HostsPlan> ParseHostsPlan(std::string_view text, const std::string& origin) {
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(text, origin));
  const TomlReader r(origin);
  VIGIL_RETURN_IF_ERROR(r.CheckKeys(doc, "the hosts file", {"origin", "database", "host"}));
  HostsPlan plan;
  VIGIL_ASSIGN_OR_RETURN(std::string log_origin, r.String(doc, "origin", "origin", false));
  if (!log_origin.empty()) plan.origin = log_origin;
  VIGIL_ASSIGN_OR_RETURN(plan.database, r.String(doc, "database", "database", false));
  if (doc.contains("database")) {
    Status url = pg::CheckDatabaseUrl(plan.database);
    if (!url.ok()) return r.Fail(doc.get("database"), url.error().message());
  }
  const toml::array* hosts = doc.get_as<toml::array>("host");
  if (hosts == nullptr || !hosts->is_array_of_tables() || hosts->empty()) {
    return r.Fail(doc.get("host"), "the hosts file needs [[host]] tables (name, address, roles)");
  }
  std::set<std::string> names, addresses;
  for (const toml::node& node : *hosts) {
    const toml::table& table = *node.as_table();
    VIGIL_ASSIGN_OR_RETURN(HostSpec host, ReadHost(r, table));
    if (!names.insert(host.name).second) {
      return r.Fail(&table, "two hosts are named " + host.name + "; host names must differ");
    }
    if (!addresses.insert(host.address).second) {
      return r.Fail(&table, "hosts share the address " + host.address +
                                "; give each host its own (roles on one host share a [[host]])");
    }
    plan.hosts.push_back(std::move(host));
  }
  VIGIL_RETURN_IF_ERROR(CheckRoles(r, plan));
  return plan;
}

Result<HostsPlan> ReadHostsPlan(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(file, 1 << 20));
  return ParseHostsPlan(AsText(text), file.string());
}

}  // namespace vigil::farm
