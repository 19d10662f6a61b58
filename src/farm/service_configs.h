// The farm's configuration files for vigil-signer (docs/SPEC-signer.md) and vigil-builder
// (docs/SPEC-builder.md), written as TOML with every value escaped, so any path the farm
// lives under reads back unchanged through LoadSignerConfig and LoadBuilderConfig.
#pragma once

#include <string>
#include <string_view>

#include "farm/layout.h"

namespace vigil::farm {

// witnesses: the ledger's witness policy, `quorum none` (no witnesses) for one machine.
std::string WitnessPolicyText(std::string_view ledger_vkey);

// signer.toml: the signer's [service] on run/signer.sock, the farm's ledger at
// run/ledger.sock pinned to `ledger_vkey`, and the key "release" in release.key.
std::string SignerConfigText(const FarmLayout& farm, std::string_view ledger_vkey);

// builder.toml: the builder's [service] on run/builder.sock, its work directory and
// repository, the ledger (pinned to `ledger_vkey`) and the signer. Components are added by
// hand as [components.NAME] tables after it.
std::string BuilderConfigText(const FarmLayout& farm, std::string_view ledger_vkey);

// gateway.toml: the gateway on 127.0.0.1 (any free port) with the farm's GitHub hook secret,
// the ledger (its verdicts, pinned to `ledger_vkey`), the builder (dispatch), its call host
// on run/gateway.sock (vigil.Publish from the builder) and the channels' TUF repository
// with its online keys. Repositories, [commands] and maintainers are added after it.
std::string GatewayConfigText(const FarmLayout& farm, std::string_view ledger_vkey);

}  // namespace vigil::farm
