// The `vigil` subcommands, one file each. Each Add* function adds its command and
// subcommands to `app`; a subcommand stores its exit code in `*exit_code` when it runs.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "base/result.h"

namespace vigil::cli {

// `vigil ca init | issue`: the deployment CA and the roles' certificates.
void AddCaCommands(CLI::App& app, int* exit_code);
// `vigil call ADDRESS SERVICE[+ARG]`: stdin and stdout connected to a service call.
void AddCallCommand(CLI::App& app, int* exit_code);
// `vigil farm up|status|down [DIR]` and `vigil build COMPONENT`: the whole build farm on
// one machine, each role its own process on local sockets.
void AddFarmCommands(CLI::App& app, int* exit_code);
// `vigil image build | describe | run`.
void AddImageCommands(CLI::App& app, int* exit_code);
// `vigil kernel build SPEC --out DIR`: our own kernel from pinned Debian source.
void AddKernelCommands(CLI::App& app, int* exit_code);
// `vigil key generate | public` and `vigil p256 sign | verify | encrypt | decrypt`:
// QuorumOS-compatible P-256 key pairs, signatures and envelopes.
void AddKeyCommands(CLI::App& app, int* exit_code);
void AddP256Commands(CLI::App& app, int* exit_code);
// `vigil log init | vkey | add | checkpoint | prove | consistency | fsck | verify`: the
// offline commands over a log directory (those that only read also work on a read-only
// mirror holding tile/, checkpoint and log.vkey), and verification of a running ledger.
void AddLogCommands(CLI::App& app, int* exit_code);
// `vigil log verify --ledger URL --trusted FILE [--proof FILE]` under `log`: checks a
// ledger over its HTTP read API the way an independent auditor would.
void AddLogVerifyCommand(CLI::App& log, int* exit_code);
// `vigil log migrate --from DIR|URL --to DIR|URL`: a log moved between a directory and a
// PostgreSQL database, the copy's root proven to be the source checkpoint's.
void AddLogMigrateCommand(CLI::App& log, int* exit_code);
// `vigil policy check | eval`: qrexec-style call policies.
void AddPolicyCommands(CLI::App& app, int* exit_code);
// `vigil quorum pivot-hash | display | verify-envelope | approve-manifest |
// generate-manifest-envelope`: QuorumOS manifests and approvals.
void AddQuorumCommands(CLI::App& app, int* exit_code);
// `vigil quorum verify-attestation DOC` under `quorum`: a Nitro attestation document checked
// against a pinned root at a time and the values it must carry.
void AddVerifyAttestationCommand(CLI::App& quorum, int* exit_code);
// `vigil quorum enclave-status | boot-standard | boot-key-fwd | get-attestation-doc |
// proxy-re-encrypt-share | post-share` under `quorum`: the commands that talk to an enclave.
void AddQuorumEnclaveCommands(CLI::App& quorum, int* exit_code);
// `vigil quorum boot-genesis | after-genesis | verify-genesis` under `quorum`.
void AddQuorumGenesisCommands(CLI::App& quorum, int* exit_code);
// `vigil quorum export-key | inject-key` under `quorum`.
void AddQuorumForwardCommands(CLI::App& quorum, int* exit_code);
// `vigil quorum generate-reshard-manifest | approve-reshard | generate-reshard-envelope |
// boot-reshard | get-reshard-output | after-reshard`: resharding a quorum key.
void AddQuorumReshardCommands(CLI::App& quorum, int* exit_code);
// `vigil quorum display` of a Borsh genesis output (qos_client's genesis_output file).
Status DisplayGenesisOutput(const std::string& file, bool json);
// `vigil quorum generate-manifest` under `quorum`.
void AddGenerateManifestCommand(CLI::App& quorum, int* exit_code);
// `vigil release sign | verify`: maintainers' detached OpenPGP signatures over a release's
// SHA256SUMS, and M-of-N verification against a pinned keyring.
void AddReleaseCommands(CLI::App& app, int* exit_code);
// `vigil repo keygen | init | add | timestamp | fetch`: the channels' TUF repository.
void AddRepoCommands(CLI::App& app, int* exit_code);
void AddCommandCommands(CLI::App& app, int* exit_code);
// `vigil reproduce DIST`: rebuild a release under varied conditions and compare.
void AddReproduceCommand(CLI::App& app, int* exit_code);
// `vigil shamir split | reconstruct`: QuorumOS-compatible Shamir shares as hex files.
void AddShamirCommands(CLI::App& app, int* exit_code);
// `vigil verify-artifact FILE --envelope ENV --key PUB [--ledger URL --ledger-key VKEY]`:
// checks a signed artifact the way its users would.
void AddVerifyArtifactCommand(CLI::App& app, int* exit_code);

}  // namespace vigil::cli
