#include "farm/host_layout.h"

#include <map>

#include "base/file.h"
#include "crypto/key_file.h"
#include "crypto/random.h"
#include "farm/service_configs.h"
#include "farm/toml_section.h"
#include "rpc/ca.h"
#include "tlog/store.h"

namespace vigil::farm {
namespace {

constexpr int kCertificateDays = 3650;
const std::map<std::string_view, std::string> kTags = {
    {"ledger", "log"}, {"signer", "sign"}, {"builder", "build"}, {"gateway", "gateway"}};

Status WriteText(const fs::path& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error::Failed("cannot create " + path.parent_path().string() + ": " + ec.message());
  return WriteFileAtomic(path, AsBytes(text), 0644);
}

// Issues NAME's certificate in the CA directory and moves it, with its key, to `host_dir`.
Status IssueInto(const fs::path& ca, const fs::path& host_dir, const std::string& name,
                 const std::string& tag) {
  VIGIL_ASSIGN_OR_RETURN(rpc::IssuedFiles files,
                         rpc::IssueCertificate(ca, name, {tag}, kCertificateDays));
  std::error_code ec;
  fs::rename(files.certificate, host_dir / (name + ".crt"), ec);
  if (!ec) fs::rename(files.key, host_dir / (name + ".key"), ec);
  if (ec) return Error::Failed("cannot move " + name + "'s certificate: " + ec.message());
  return OkStatus();
}

std::string HttpAddress(const HostSpec& host, std::uint16_t port) {
  const bool v6 = host.address.find(':') != std::string::npos;
  return (v6 ? "[" + host.address + "]" : host.address) + ":" + std::to_string(port);
}

// [service] for ROLE on HOST: listening on the host's address, its files beside the config.
TomlSection Service(const HostSpec& host, const std::string& role, std::uint16_t port) {
  const std::string name = CertificateName(host, role);
  TomlSection service("service");
  service.SetList("listen", {TcpAddress(host, port)})
      .Set("cert", name + ".crt")
      .Set("key", name + ".key")
      .Set("ca", "ca.crt")
      .Set("policy", "policy/" + role)
      .Set("audit_log", "logs/" + role + "-audit.log");
  return service;
}

std::string LedgerPeer(const HostsPlan& plan, const std::string& vkey) {
  return TomlSection("ledger")
      .Set("address", plan.LedgerAddress())
      .Set("verifier_key", vkey)
      .Set("name", "ledger")
      .Set("witness_policy", "witnesses")
      .str();
}

// The gateway's table for calling a peer with the gateway's own certificate.
TomlSection GatewayPeer(const char* table, const std::string& address, const std::string& name,
                        bool array_item = false) {
  TomlSection section(table, array_item);
  section.Set("address", address)
      .Set("certificate", "gateway.crt")
      .Set("key", "gateway.key")
      .Set("ca", "ca.crt")
      .Set("name", name);
  return section;
}

std::string GatewayConfig(const HostsPlan& plan, const HostSpec& host, const std::string& vkey) {
  std::string text =
      "# vigil-gateway (docs/SPEC-gateway.md), made by vigil farm hosts. Add [[repository]]\n"
      "# tables (and [commands]) after it. No [channels]: publishing to TUF channels needs the\n"
      "# builders' repo/ shared with this host (docs/OPERATIONS.md).\n" +
      TomlSection("gateway")
          .Set("listen_host", host.address)
          .SetInteger("listen_port", kGatewayHttpPort)
          .Set("state_dir", "gateway-state")
          .Set("audit_log", "logs/gateway-hooks-audit.log")
          .str() +
      TomlSection("secrets").Set("github", "gateway-secrets/github").str() +
      GatewayPeer("ledger", plan.LedgerAddress(), "ledger").Set("verifier_key", vkey).str();
  for (const HostSpec* builder : plan.HostsOf("builder")) {
    TomlSection table = GatewayPeer("builder", TcpAddress(*builder, kBuilderPort),
                                    CertificateName(*builder, "builder"), true);
    if (!builder->components.empty()) table.SetList("components", builder->components);
    text += table.str();
  }
  return text;
}

std::string RoleConfig(const HostsPlan& plan, const HostSpec& host, const std::string& role,
                       const std::string& vkey) {
  const std::string made = "# vigil-" + role + ", made by vigil farm hosts for host " + host.name;
  if (role == "ledger") {
    TomlSection service = Service(host, role, kLedgerCallPort);
    service.Set("dir", "ledger-log")
        .Set("http", HttpAddress(host, kLedgerHttpPort))
        .Set("witness_policy", "witnesses");
    if (!plan.database.empty()) service.Set("database", plan.database);
    return made + " (docs/SPEC-ledger.md)\n" + service.str();
  }
  if (role == "signer") {
    return made + " (docs/SPEC-signer.md)\n" +
           Service(host, role, kSignerPort).Set("state_dir", "signer-state").str() +
           LedgerPeer(plan, vkey) +
           TomlSection("keys.release").Set("algorithm", "ed25519").Set("file", "release.key").str();
  }
  if (role == "builder") {
    return made + " (docs/SPEC-builder.md). Add [components.NAME] tables after it.\n" +
           Service(host, role, kBuilderPort)
               .Set("work_dir", "work")
               .Set("repository", "repo")
               .str() +
           LedgerPeer(plan, vkey) +
           TomlSection("signer")
               .Set("address", TcpAddress(plan.Only("signer"), kSignerPort))
               .Set("name", "signer")
               .str();
  }
  return GatewayConfig(plan, host, vkey);
}

// The call policy of ROLE: the rules naming who may call it, then vigil.Ping from anyone.
std::string RolePolicy(const HostsPlan& plan, const std::string& role) {
  std::string text =
      "# Made by vigil farm hosts: who may call the " + role + " (docs/SPEC-policy.md)\n";
  for (const HostSpec* builder : plan.HostsOf("builder")) {
    if (role == "ledger") text += "vigil.BuildLog * " + builder->name + " @any allow\n";
    if (role == "signer") text += "vigil.Sign +release " + builder->name + " @any allow\n";
  }
  if (role == "ledger") {
    text +=
        "vigil.Append +signature signer @any allow\n"
        "vigil.Append +gateway-verdict gateway @any allow\n";
  }
  if (role == "builder") {
    text +=
        "vigil.TriggerBuild * gateway @any allow\n"
        "vigil.TriggerBuild * operator @any allow\n";
  }
  return text + "vigil.Ping * @any @any allow\n";
}

std::string WitnessPolicy(const HostsPlan& plan, const std::string& vkey) {
  std::string text = WitnessPolicyText(vkey);
  for (const HostSpec* witness : plan.HostsOf("witness")) {
    text += "# witness " + witness->name + " VKEY http://" + HttpAddress(*witness, kWitnessPort) +
            "   (VKEY: printed by vigil-witness --generate-key on " + witness->name + ")\n";
  }
  return text;
}

// The ledger's commands: with a database, the first ledger host puts the empty log in it
// once (its ledger-seed/), and every ledger host runs the same log key from ledger-log/.
std::string LedgerReadme(const HostsPlan& plan, const HostSpec& host) {
  if (plan.database.empty()) return "  vigil-ledger --config ledger.toml\n";
  const HostSpec& first = *plan.HostsOf("ledger").front();
  std::string text;
  if (&host == &first) {
    text += "  vigil log migrate --from ledger-seed --to '" + plan.database +
            "' --key-dir ledger-log   # once, before any ledger starts: the empty log into the "
            "database, its key into ledger-log/ (then delete ledger-seed/)\n";
  }
  text += "  vigil-ledger --config ledger.toml   # ";
  text += &host == &first ? "sequences or waits as a standby"
                          : "after host " + first.name +
                                " put the log in the database; "
                                "sequences or waits as a standby";
  return text + " (ledger-log/ holds the log's key, the same on every ledger host)\n";
}

// What to run on HOST, from its directory.
std::string Readme(const HostsPlan& plan, const HostSpec& host, const std::string& vkey) {
  std::string text = "Host " + host.name + " (" + host.address +
                     "), made by vigil farm hosts. Copy this directory to the host and run, "
                     "from inside it:\n\n";
  if (host.Runs("ledger")) text += LedgerReadme(plan, host);
  if (host.Runs("signer")) {
    text +=
        "  vigil-signer --config signer.toml --init-key release > release.pub   # once: the "
        "key is made here and never leaves\n  vigil-signer --config signer.toml\n";
  }
  if (host.Runs("builder")) {
    text += "  vigil-builder --config builder.toml   # add [components.NAME] tables first\n";
  }
  if (host.Runs("gateway")) {
    text +=
        "  vigil-gateway --config gateway.toml   # add [[repository]] tables first; the "
        "GitHub hook secret is gateway-secrets/github\n";
  }
  if (host.Runs("witness")) {
    text += "  vigil-witness --generate-key " + host.name +
            " --key witness.key   # once; prints the witness's VKEY\n  vigil-witness --key "
            "witness.key --state-dir witness-state --log " +
            plan.origin + "=" + vkey + " --listen " + HttpAddress(host, kWitnessPort) +
            "\nthen add its `witness` line to the `witnesses` file of the ledger, signer and "
            "builder hosts and require it in their quorum.\n";
  }
  return text;
}

// The other ledger hosts' copy of the log's key (`dir` of a ledger on a database).
Status CopyLogKey(const fs::path& log, const fs::path& key_dir) {
  std::error_code ec;
  fs::create_directories(key_dir, ec);
  if (!ec) fs::permissions(key_dir, fs::perms::owner_all, ec);
  if (ec) return Error::Failed("cannot create " + key_dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(Bytes key, ReadFile(log / "log.key", 4096));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(key_dir / "log.key", key, 0600));
  VIGIL_ASSIGN_OR_RETURN(Bytes vkey, ReadFile(log / "log.vkey", 4096));
  return WriteFileAtomic(key_dir / "log.vkey", vkey, 0644);
}

// The log, made once on the (first) ledger host; its verifier key for everyone else. With
// a database, it is the first host's ledger-seed/ (vigil log migrate puts it in the
// database and its key in ledger-log/), and the other ledger hosts get the same key.
Result<std::string> MakeLog(const HostsPlan& plan, const fs::path& staging) {
  const std::vector<const HostSpec*> ledgers = plan.HostsOf("ledger");
  const bool shared = !plan.database.empty();
  const fs::path log = staging / ledgers.front()->name / (shared ? "ledger-seed" : "ledger-log");
  std::error_code ec;
  fs::create_directories(log.parent_path(), ec);
  if (ec) return Error::Failed("cannot create " + log.parent_path().string() + ": " + ec.message());
  VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(log, plan.origin));
  for (std::size_t i = 1; shared && i < ledgers.size(); ++i) {
    VIGIL_RETURN_IF_ERROR(CopyLogKey(log, staging / ledgers[i]->name / "ledger-log"));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(log / "log.vkey", 4096));
  std::string vkey(AsText(bytes));
  while (!vkey.empty() && vkey.back() == '\n') vkey.pop_back();
  return vkey;
}

Status WriteHost(const HostsPlan& plan, const HostSpec& host, const fs::path& staging,
                 const std::string& vkey) {
  const fs::path dir = staging / host.name;
  const fs::path ca = staging / "ca";
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (!ec) fs::copy_file(ca / "ca.crt", dir / "ca.crt", ec);
  if (ec) return Error::Failed("cannot write " + dir.string() + ": " + ec.message());
  for (const std::string& role : host.roles) {
    if (role == "witness") continue;  // no certificate: witnesses speak HTTP, with own keys
    VIGIL_RETURN_IF_ERROR(IssueInto(ca, dir, CertificateName(host, role), kTags.at(role)));
    VIGIL_RETURN_IF_ERROR(WriteText(dir / (role + ".toml"), RoleConfig(plan, host, role, vkey)));
    if (role != "gateway") {
      VIGIL_RETURN_IF_ERROR(
          WriteText(dir / "policy" / role / "10-hosts.policy", RolePolicy(plan, role)));
    }
  }
  if (host.Runs("ledger") || host.Runs("signer") || host.Runs("builder")) {
    VIGIL_RETURN_IF_ERROR(WriteText(dir / "witnesses", WitnessPolicy(plan, vkey)));
  }
  if (host.Runs("gateway")) {
    VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes secret, crypto::RandomSecret(32));
    fs::create_directories(dir / "gateway-secrets", ec);
    VIGIL_RETURN_IF_ERROR(crypto::WriteSecretHexFile(dir / "gateway-secrets" / "github", secret));
  }
  return WriteText(dir / "README", Readme(plan, host, vkey));
}

}  // namespace

Status WriteHostLayout(const HostsPlan& plan, const fs::path& out) {
  if (fs::exists(out)) {
    return Error::BadInput(out.string() +
                           " exists; give a new directory (a deployment's keys are never "
                           "overwritten)");
  }
  const fs::path parent = out.parent_path().empty() ? fs::path(".") : out.parent_path();
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + out.filename().string() + ".partial."));
  VIGIL_RETURN_IF_ERROR(rpc::InitCa(staging.path() / "ca", kCertificateDays));
  VIGIL_RETURN_IF_ERROR(
      rpc::IssueCertificate(staging.path() / "ca", "operator", {"operator"}, kCertificateDays)
          .status());
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, MakeLog(plan, staging.path()));
  for (const HostSpec& host : plan.hosts) {
    VIGIL_RETURN_IF_ERROR(WriteHost(plan, host, staging.path(), vkey));
  }
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), out));
  staging.Release();
  return OkStatus();
}

std::string CertificateName(const HostSpec& host, std::string_view role) {
  return role == "builder" ? host.name : std::string(role);
}

}  // namespace vigil::farm
