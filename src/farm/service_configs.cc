#include "farm/service_configs.h"

#include "farm/toml_section.h"

namespace vigil::farm {
namespace {

std::string Address(const FarmLayout& farm, const std::string& role) {
  return "unix:" + farm.socket(role).string();
}

TomlSection Service(const FarmLayout& farm, const std::string& role) {
  const std::filesystem::path ca = farm.ca();
  TomlSection service("service");
  service.SetList("listen", {Address(farm, role)})
      .SetPath("cert", ca / (role + ".crt"))
      .SetPath("key", ca / (role + ".key"))
      .SetPath("ca", ca / "ca.crt")
      .SetPath("policy", farm.policy(role))
      .SetPath("audit_log", farm.logs() / (role + "-audit.log"));
  return service;
}

std::string Ledger(const FarmLayout& farm, std::string_view vkey) {
  return TomlSection("ledger")
      .Set("address", Address(farm, "ledger"))
      .Set("verifier_key", vkey)
      .Set("name", "ledger")
      .SetPath("witness_policy", farm.witness_policy())
      .str();
}

}  // namespace

std::string WitnessPolicyText(std::string_view ledger_vkey) {
  return "# The farm's witness policy (C2SP tlog-policy, docs/SPEC-witness.md): the witnesses\n"
         "# whose cosignatures the ledger waits for before it publishes a checkpoint, and that\n"
         "# the signer and the builder require. One machine needs none. To add witnesses, add\n"
         "#   witness NAME VKEY http://HOST:PORT\n"
         "# lines (and groups), replace `quorum none` with the witness or group that must\n"
         "# cosign, and restart the farm.\n"
         "log " +
         std::string(ledger_vkey) + "\nquorum none\n";
}

std::string SignerConfigText(const FarmLayout& farm, std::string_view ledger_vkey) {
  return "# vigil-signer (docs/SPEC-signer.md), made by vigil farm up\n" +
         Service(farm, "signer").SetPath("state_dir", farm.dir / "signer-state").str() +
         Ledger(farm, ledger_vkey) +
         TomlSection("keys.release")
             .Set("algorithm", "ed25519")
             .SetPath("file", farm.signing_key())
             .str();
}

std::string BuilderConfigText(const FarmLayout& farm, std::string_view ledger_vkey) {
  return "# vigil-builder (docs/SPEC-builder.md), made by vigil farm up. Add components as\n"
         "# [components.NAME] tables; they are read again for every build.\n" +
         Service(farm, "builder")
             .SetPath("work_dir", farm.dir / "work")
             .SetPath("repository", farm.repository())
             .str() +
         Ledger(farm, ledger_vkey) +
         TomlSection("signer").Set("address", Address(farm, "signer")).Set("name", "signer").str() +
         TomlSection("gateway")
             .Set("address", Address(farm, "gateway"))
             .Set("name", "gateway")
             .str();
}

std::string GatewayConfigText(const FarmLayout& farm, std::string_view ledger_vkey) {
  const std::filesystem::path ca = farm.ca();
  auto peer = [&](const char* table, const std::string& role) {
    TomlSection section(table);
    section.Set("address", Address(farm, role))
        .SetPath("certificate", ca / "gateway.crt")
        .SetPath("key", ca / "gateway.key")
        .SetPath("ca", ca / "ca.crt")
        .Set("name", role);
    return section;
  };
  return "# vigil-gateway (docs/SPEC-gateway.md), made by vigil farm up. Add [[repository]]\n"
         "# tables, and [commands] with [[maintainer]] tables, after it.\n" +
         TomlSection("gateway")
             .Set("listen_host", "127.0.0.1")
             .SetInteger("listen_port", 0)
             .SetPath("state_dir", farm.dir / "gateway-state")
             .SetPath("audit_log", farm.logs() / "gateway-hooks-audit.log")
             .str() +
         TomlSection("secrets").SetPath("github", farm.webhook_secret()).str() +
         peer("ledger", "ledger").Set("verifier_key", ledger_vkey).str() +
         peer("builder", "builder").str() + Service(farm, "gateway").str() +
         TomlSection("channels")
             .SetPath("repository", farm.tuf())
             .SetPath("keys", farm.gateway_keys())
             .SetPath("source", farm.repository())
             .SetPath("release_key", farm.signing_public_key())
             .str();
}

}  // namespace vigil::farm
