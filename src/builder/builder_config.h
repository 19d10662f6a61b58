// vigil-builder's configuration file (TOML; relative file paths are relative to the file,
// socket addresses to the working directory):
//
//   [service]
//   listen = ["unix:builder.sock"]  # where vigil.TriggerBuild+COMPONENT is called
//   cert = "builder.crt"
//   key = "builder.key"
//   ca = "ca.crt"
//   policy = "policy.d"             # e.g. vigil.TriggerBuild * @tag:operator @any allow
//   audit_log = "audit.log"
//   work_dir = "work"               # source mirrors, verified trees, per-build outputs
//   repository = "repo"             # published builds: repo/testing/...
//   tools = "/usr/lib/vigil"        # optional: where vigil and vigil-init are (default:
//                                   # beside vigil-builder)
//
//   [ledger]
//   address = "unix:ledger.sock"
//   verifier_key = "ORIGIN+KEYID+BASE64"   # receipts are checked before anything is signed
//   name = "ledger"                        # optional: the ledger's certificate name
//   witness_policy = "witnesses"           # optional: a C2SP tlog-policy receipts must meet
//
//   [signer]
//   address = "unix:signer.sock"
//   name = "signer"                        # optional
//
//   [limits]                               # all optional
//   build_seconds = 900
//   max_file_bytes = 268435456             # largest file a build may write
//   max_log_lines = 200000
//
//   [components.NAME]                      # NAME: 1-64 of a-z 0-9 . _ -
//   repository = "/srv/git/hello.git"      # a local repository or a git URL
//   branch = "main"
//   spec = "image.toml"                    # the image spec inside the repository
//   keyring = "maintainers.gpg"            # the maintainers' public keys (builder's own)
//   maintainers = ["40-HEX-FINGERPRINT", ...]
//   threshold = 2                          # distinct maintainers whose signed tags count
//   key = "release"                        # the signer's key for this component
//   commit = "40-hex"                      # optional: build this pinned commit instead
//   command = ["vigil", "image", "build", ...]   # optional: the build command in the sandbox
//   build_seconds = 1800                   # optional: this component's time limit
//   cache = true                           # optional: reuse a published build of the same
//                                          # inputs (default false: always build)
//
//   [components.NAME.inputs.FILE]          # optional: a pinned external input, mounted
//   debian = "PACKAGE=VERSION"             # read-only at /inputs/FILE (or url = "https://...")
//   sha256 = "64-hex"
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/external_input.h"
#include "builder/source.h"
#include "rpc/service_config.h"
#include "tlog/note.h"
#include "tlog/witness_policy.h"

namespace vigil::builder {

// The longest build_seconds ([limits] or a component's).
inline constexpr std::chrono::seconds kMaxBuildTimeout{86400};

struct ComponentConfig {
  std::string name;
  SourcePolicy source;
  std::string spec;
  std::string key;
  std::vector<std::string> command;         // empty: vigil image build SPEC --out /out/dist
  std::vector<ExternalInput> inputs;        // sorted by name
  std::chrono::seconds build_timeout{900};  // [limits] build_seconds unless its own
  bool cache = false;
};

struct BuilderConfig {
  rpc::ServiceConfig service;
  std::filesystem::path work_dir, repository, tools;
  std::string ledger_address, ledger_name;
  std::optional<tlog::NoteVerifier> ledger_verifier;  // always set once loaded
  std::optional<tlog::WitnessPolicy> witness_policy;  // receipts must meet it when set
  std::string signer_address, signer_name;
  // Optional: the gateway told of each published build (vigil.Publish+COMPONENT).
  std::string gateway_address, gateway_name;
  std::chrono::seconds build_timeout{900};
  std::uint64_t max_file_bytes = 256ull << 20;
  std::uint64_t max_log_lines = 200'000;
  std::map<std::string, ComponentConfig> components;
};

// Reads and validates the file: BadInput with file and line for anything wrong or unknown.
// `default_tools` is used when [service] has no `tools`.
Result<BuilderConfig> LoadBuilderConfig(const std::filesystem::path& path,
                                        const std::filesystem::path& default_tools);

}  // namespace vigil::builder
