// `vigil quorum generate-manifest`: qos_client's command of the same name, with its options
// and files (docs/SPEC-quorum.md): a manifest from a release directory's PCRs, the IAM role
// (PCR3's preimage), the key-set directories and the pivot's hash. Writes V2 (canonical
// JSON) by default, V1 with --use-manifest-version 1; never over an existing file.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "attestation/pcrs_file.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/qos_files.h"
#include "crypto/hash.h"
#include "encoding/strict_json.h"
#include "quorum/approvals.h"
#include "quorum/manifest_json.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

struct GenerateArgs {
  std::uint32_t nonce = 0;
  std::string name_space, restart = "never", pivot_hash_path, release_dir, pcr3_preimage;
  std::string manifest_path, manifest_set_dir, share_set_dir, patch_set_dir, quorum_key_path;
  std::string pivot_args, bridge_config, dns_resolvers;
  bool debug_mode = false;
  int version = 2;
};

// "[a,b]" as qos_client takes pivot arguments; also a bare "a,b".
std::vector<std::string> PivotArgs(std::string text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::vector<std::string> args;
  if (text.empty()) return args;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    args.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return args;
}

Result<ordered_json> ManifestObject(const GenerateArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(std::string quorum_key, FirstLine(args.quorum_key_path, 4096));
  VIGIL_ASSIGN_OR_RETURN(std::string pivot_hash, FirstLine(args.pivot_hash_path, 4096));
  VIGIL_ASSIGN_OR_RETURN(Bytes pcr3, Pcr3FromPreimage(args.pcr3_preimage));
  VIGIL_ASSIGN_OR_RETURN(auto pcrs, ReleasePcrs(args.release_dir));
  ordered_json pivot{{"hash", pivot_hash},
                     {"restart", args.restart == "always" ? "Always" : "Never"},
                     {"bridgeConfig", ordered_json::array()},
                     {"debugMode", args.debug_mode},
                     {"args", PivotArgs(args.pivot_args)}};
  if (!args.bridge_config.empty()) {
    VIGIL_ASSIGN_OR_RETURN(auto bridges,
                           encoding::ParseStrictJson(args.bridge_config, "--bridge-config", 8));
    pivot["bridgeConfig"] = ordered_json::parse(bridges.dump());
  }
  ordered_json m;
  if (args.version == 2) m["version"] = "v2";
  m["namespace"] = {{"name", args.name_space}, {"nonce", args.nonce}, {"quorumKey", quorum_key}};
  m["pivot"] = std::move(pivot);
  VIGIL_ASSIGN_OR_RETURN(m["manifestSet"], ReadSetDir(args.manifest_set_dir, true));
  VIGIL_ASSIGN_OR_RETURN(m["shareSet"], ReadSetDir(args.share_set_dir, true));
  m["enclave"] = {{"pcr0", HexEncode(pcrs.at(0))},
                  {"pcr1", HexEncode(pcrs.at(1))},
                  {"pcr2", HexEncode(pcrs.at(2))},
                  {"pcr3", HexEncode(pcr3)},
                  {"awsRootCertificate", HexEncode(attestation::AwsRootDer())},
                  {"qosCommit", ""}};
  if (args.version == 1) {
    if (args.patch_set_dir.empty()) return Error::BadInput("a V1 manifest needs --patch-set-dir");
    VIGIL_ASSIGN_OR_RETURN(m["patchSet"], ReadSetDir(args.patch_set_dir, false));
  } else if (!args.dns_resolvers.empty()) {
    m["dns"] = {{"resolvers", PivotArgs(args.dns_resolvers)}};
  }
  return m;
}

Status RunGenerate(const GenerateArgs& args) {
  if (args.version == 1 && !args.dns_resolvers.empty()) {
    return Error::BadInput("--dns-resolvers needs a V2 manifest");
  }
  VIGIL_ASSIGN_OR_RETURN(ordered_json object, ManifestObject(args));
  // The manifest's own reader checks everything (hex, sizes, names, addresses).
  VIGIL_ASSIGN_OR_RETURN(quorum::Manifest manifest, quorum::ParseManifestJson(object.dump()));
  VIGIL_ASSIGN_OR_RETURN(std::string text, quorum::ManifestJson(manifest));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ManifestHash(manifest));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.manifest_path, AsBytes(text), 0644));
  std::printf("manifest (version %d) %s: hash %s\n", args.version, args.manifest_path.c_str(),
              crypto::Sha256Hex(hash).c_str());
  return OkStatus();
}

}  // namespace

void AddGenerateManifestCommand(CLI::App& q, int* exit_code) {
  auto [g, a] = AddCommand<GenerateArgs>(
      q, "generate-manifest",
      "Write a manifest from a release's PCRs, the IAM role, the key sets and the pivot hash",
      exit_code, RunGenerate);
  g->add_option("--nonce", a->nonce, "The namespace's nonce")->required();
  g->add_option("--namespace", a->name_space, "The namespace's name")->required();
  g->add_option("--restart-policy", a->restart, "never or always")
      ->check(CLI::IsMember({"never", "always"}))
      ->required();
  g->add_option("--pivot-hash-path", a->pivot_hash_path, "The pivot's SHA-256 (hex)")->required();
  g->add_option("--qos-release-dir", a->release_dir, "Holds aws-x86_64.pcrs or NAME.pcrs (PCR0-2)")
      ->required();
  g->add_option("--pcr3-preimage-path", a->pcr3_preimage, "The IAM role's ARN (first line)")
      ->required();
  g->add_option("--manifest-path", a->manifest_path, "The manifest to write (must not exist)")
      ->required();
  g->add_option("--manifest-set-dir", a->manifest_set_dir, "ALIAS.pub files, quorum_threshold")
      ->required();
  g->add_option("--share-set-dir", a->share_set_dir, "ALIAS.pub files, quorum_threshold")
      ->required();
  g->add_option("--patch-set-dir", a->patch_set_dir, "V1 only: the patch set's .pub files");
  g->add_option("--quorum-key-path", a->quorum_key_path, "The quorum key's .pub")->required();
  g->add_option("--pivot-args", a->pivot_args, "The pivot's arguments, as [a,b]");
  g->add_option("--bridge-config", a->bridge_config,
                "JSON: [{\"type\":\"server\",\"port\":3000,\"host\":\"0.0.0.0\"}]");
  g->add_flag("--debug-mode", a->debug_mode, "Keep the pivot's stdout and stderr");
  g->add_option("--dns-resolvers", a->dns_resolvers, "V2 only: [ip,ip]");
  g->add_option("--use-manifest-version", a->version, "2 (default) or 1")
      ->check(CLI::IsMember({1, 2}));
}

}  // namespace vigil::cli
