// `vigil quorum`: QuorumOS's operator and share-holder commands, with qos_client's names
// (docs/SPEC-quorum.md). So far the ones over manifests, approvals and envelopes.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <variant>

#include "base/file.h"
#include "base/hex.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "crypto/file_hash.h"
#include "crypto/hash.h"
#include "crypto/p256.h"
#include "crypto/p256_key_files.h"
#include "quorum/approvals.h"
#include "quorum/manifest_borsh.h"
#include "quorum/manifest_json.h"

namespace vigil::cli {
namespace {

using quorum::Manifest;
using quorum::ManifestEnvelope;

// Largest pivot binary hashed.
constexpr std::uint64_t kMaxPivotBytes = 4ull << 30;

std::string VersionName(quorum::ManifestVersion version) {
  switch (version) {
    case quorum::ManifestVersion::kV0:
      return "0";
    case quorum::ManifestVersion::kV1:
      return "1";
    case quorum::ManifestVersion::kV2:
      return "2";
  }
  return "?";
}

// A manifest or an envelope, in JSON (first byte '{') or Borsh, whichever the file holds.
Result<std::variant<Manifest, ManifestEnvelope>> ReadManifestFile(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes data, ReadFile(path, quorum::kMaxManifestJsonBytes));
  std::variant<Manifest, ManifestEnvelope> out;
  if (!data.empty() && data[0] == '{') {
    const std::string_view text = AsText(data);
    Result<ManifestEnvelope> envelope = quorum::ParseEnvelopeJson(text);
    if (envelope.ok()) return std::variant<Manifest, ManifestEnvelope>(*envelope);
    Result<Manifest> manifest = quorum::ParseManifestJson(text);
    if (manifest.ok()) return std::variant<Manifest, ManifestEnvelope>(*manifest);
    return Error::BadInput(path + " is neither a manifest envelope (" + envelope.error().message() +
                           ") nor a manifest (" + manifest.error().message() + ")");
  }
  Result<ManifestEnvelope> envelope = quorum::DecodeEnvelopeBorsh(data);
  if (envelope.ok()) return std::variant<Manifest, ManifestEnvelope>(*envelope);
  Result<Manifest> manifest = quorum::DecodeManifestBorsh(data);
  if (manifest.ok()) return std::variant<Manifest, ManifestEnvelope>(*manifest);
  return Error::BadInput(path + " is neither a Borsh manifest envelope nor a Borsh manifest (" +
                         manifest.error().message() + ")");
}

const Manifest& ManifestOf(const std::variant<Manifest, ManifestEnvelope>& value) {
  if (const auto* envelope = std::get_if<ManifestEnvelope>(&value)) return envelope->manifest;
  return std::get<Manifest>(value);
}

struct PivotHashArgs {
  std::string pivot;
  std::string output;
};

Status RunPivotHash(const PivotHashArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(InputFile file, OpenInputFile(args.pivot, kMaxPivotBytes));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest digest, crypto::Sha256OfFd(file.fd.get()));
  const std::string hex = crypto::Sha256Hex(digest);
  if (args.output.empty()) {
    std::cout << hex << "\n";
    return OkStatus();
  }
  return WriteFileAtomic(args.output, AsBytes(hex));
}

struct DisplayArgs {
  std::string file;
  std::string type;  // qos_client's --display-type; empty: a manifest or an envelope
  bool json = false;
};

void PrintMembers(const char* title, const quorum::MemberSet& set) {
  std::printf("%s: %u of %zu\n", title, set.threshold, set.members.size());
  for (const auto& member : set.members) {
    std::printf("  %s %s\n", member.alias.c_str(), HexEncode(member.pub_key).c_str());
  }
}

Status RunDisplay(const DisplayArgs& args) {
  if (args.type == "genesis-output") return DisplayGenesisOutput(args.file, args.json);
  VIGIL_ASSIGN_OR_RETURN(auto value, ReadManifestFile(args.file));
  if (args.type == "manifest" && std::holds_alternative<ManifestEnvelope>(value)) {
    return Error::BadInput(args.file + " is a manifest envelope, not a manifest");
  }
  if (args.type == "manifest-envelope" && !std::holds_alternative<ManifestEnvelope>(value)) {
    return Error::BadInput(args.file + " is a manifest, not a manifest envelope");
  }
  const Manifest& manifest = ManifestOf(value);
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ManifestHash(manifest));
  const auto* envelope = std::get_if<ManifestEnvelope>(&value);
  if (args.json) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, envelope ? quorum::EnvelopeJson(*envelope)
                                                      : quorum::ManifestJson(manifest));
    PrintJson(Json{{"kind", envelope ? "manifest envelope" : "manifest"},
                   {"version", VersionName(manifest.version)},
                   {"manifest_hash", crypto::Sha256Hex(hash)},
                   {envelope ? "envelope" : "manifest", Json::parse(text)}});
    return OkStatus();
  }
  std::printf("%s, version %s\nmanifest hash: %s\n", envelope ? "manifest envelope" : "manifest",
              VersionName(manifest.version).c_str(), crypto::Sha256Hex(hash).c_str());
  std::printf("namespace: %s, nonce %u\nquorum key: %s\n", manifest.name_space.name.c_str(),
              manifest.name_space.nonce, HexEncode(manifest.name_space.quorum_key).c_str());
  std::printf("pivot: %s, restart %s, debug mode %s\n", HexEncode(manifest.pivot.hash).c_str(),
              manifest.pivot.restart == quorum::RestartPolicy::kAlways ? "always" : "never",
              manifest.pivot.debug_mode ? "on" : "off");
  for (const std::string& arg : manifest.pivot.args) std::printf("  arg %s\n", arg.c_str());
  for (const auto& [name, val] : manifest.pivot.env) {
    std::printf("  env %s=%s\n", name.c_str(), val.c_str());
  }
  PrintMembers("manifest set", manifest.manifest_set);
  PrintMembers("share set", manifest.share_set);
  const auto& nitro = manifest.enclave;
  std::printf("pcr0: %s\npcr1: %s\npcr2: %s\npcr3: %s\n", HexEncode(nitro.pcr0).c_str(),
              HexEncode(nitro.pcr1).c_str(), HexEncode(nitro.pcr2).c_str(),
              HexEncode(nitro.pcr3).c_str());
  if (envelope) {
    std::printf("approvals: %zu from the manifest set, %zu from the share set\n",
                envelope->manifest_set_approvals.size(), envelope->share_set_approvals.size());
  }
  return OkStatus();
}

struct VerifyEnvelopeArgs {
  std::string file;
};

Status RunVerifyEnvelope(const VerifyEnvelopeArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(auto value, ReadManifestFile(args.file));
  const auto* envelope = std::get_if<ManifestEnvelope>(&value);
  if (envelope == nullptr) {
    return Error::BadInput(args.file + " is a manifest, not an envelope: it carries no approvals");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ManifestHash(envelope->manifest));
  VIGIL_RETURN_IF_ERROR(
      quorum::CheckApprovals(envelope->manifest, hash, envelope->manifest_set_approvals));
  if (!envelope->share_set_approvals.empty()) {
    return Error::Failed(
        "BadShareSetApprovals: an envelope to boot with carries no share-set "
        "approvals");
  }
  std::printf("ok: %zu of %zu manifest-set approvals (threshold %u) over manifest hash %s\n",
              envelope->manifest_set_approvals.size(),
              envelope->manifest.manifest_set.members.size(),
              envelope->manifest.manifest_set.threshold, crypto::Sha256Hex(hash).c_str());
  return OkStatus();
}

struct ApproveArgs {
  std::string secret;
  std::string alias;
  std::string manifest;
  std::string approvals_dir;
  bool yes = false;
};

// qos_client's file name: ALIAS-NAMESPACE-NONCE.approval, with '/' in the namespace as '-'.
std::string ApprovalFileName(const std::string& alias, const Manifest& manifest) {
  std::string ns = manifest.name_space.name;
  std::replace(ns.begin(), ns.end(), '/', '-');
  return alias + "-" + ns + "-" + std::to_string(manifest.name_space.nonce) + ".approval";
}

Status RunApprove(const ApproveArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(args.manifest, quorum::kMaxManifestJsonBytes));
  VIGIL_ASSIGN_OR_RETURN(Manifest manifest, quorum::ParseManifestJson(AsText(text)));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, crypto::ReadP256Pair(args.secret));
  quorum::Approval approval;
  approval.member = {args.alias, pair.public_key()};
  const auto& members = manifest.manifest_set.members;
  if (std::find(members.begin(), members.end(), approval.member) == members.end()) {
    return Error::Failed("NotManifestSetMember: " + args.alias +
                         " with this key is not in the manifest set; nothing approved");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ManifestHash(manifest));
  if (!args.yes) {
    VIGIL_RETURN_IF_ERROR(RunDisplay(DisplayArgs{.file = args.manifest}));
    std::cout << "Approve manifest " << crypto::Sha256Hex(hash) << " as " << args.alias
              << "? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes")) {
      return Error::Failed("not approved: nothing written");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(approval.signature, pair.Sign(hash));
  const std::filesystem::path out =
      std::filesystem::path(args.approvals_dir) / ApprovalFileName(args.alias, manifest);
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(out, AsBytes(quorum::ApprovalJson(approval)), 0644));
  std::printf("approved manifest %s as %s: %s\n", crypto::Sha256Hex(hash).c_str(),
              args.alias.c_str(), out.c_str());
  return OkStatus();
}

struct EnvelopeArgs {
  std::string approvals_dir;
  std::string manifest;
  std::string out;
};

Status RunGenerateEnvelope(const EnvelopeArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(args.manifest, quorum::kMaxManifestJsonBytes));
  ManifestEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.manifest, quorum::ParseManifestJson(AsText(text)));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ManifestHash(envelope.manifest));
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(args.approvals_dir, ec)) {
    if (entry.path().extension() == ".approval") files.push_back(entry.path());
  }
  if (ec) return Error::BadInput("cannot list " + args.approvals_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    VIGIL_ASSIGN_OR_RETURN(Bytes json, ReadFile(file, quorum::kMaxManifestJsonBytes));
    Result<quorum::Approval> approval = quorum::ParseApprovalJson(AsText(json));
    if (!approval.ok()) return approval.error().WithContext(file.string());
    Status valid = quorum::CheckMemberApproval(envelope.manifest.manifest_set, hash, *approval);
    if (!valid.ok()) return valid.error().WithContext(file.string());
    envelope.manifest_set_approvals.push_back(std::move(*approval));
  }
  VIGIL_RETURN_IF_ERROR(
      quorum::CheckApprovals(envelope.manifest, hash, envelope.manifest_set_approvals));
  VIGIL_ASSIGN_OR_RETURN(std::string out, quorum::EnvelopeJson(envelope));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.out, AsBytes(out), 0644));
  std::printf("manifest envelope %s: %zu approvals over manifest hash %s\n", args.out.c_str(),
              envelope.manifest_set_approvals.size(), crypto::Sha256Hex(hash).c_str());
  return OkStatus();
}

}  // namespace

void AddQuorumCommands(CLI::App& app, int* exit_code) {
  CLI::App* q = app.add_subcommand("quorum", "QuorumOS-compatible manifests and approvals");
  q->require_subcommand(1);
  auto [ph, pivot] = AddCommand<PivotHashArgs>(
      *q, "pivot-hash", "The SHA-256 of a pivot binary, as a manifest names it", exit_code,
      RunPivotHash);
  ph->add_option("--pivot-path", pivot->pivot, "The pivot binary")->required();
  ph->add_option("--output-path", pivot->output, "Write the hex here instead of printing it");
  auto [d, display] = AddCommand<DisplayArgs>(
      *q, "display", "Show a manifest or manifest envelope (JSON or Borsh, any version)", exit_code,
      RunDisplay);
  d->add_option("FILE", display->file, "The manifest or envelope")->required();
  d->add_flag("--json", display->json, "Print JSON with the version and the manifest hash");
  d->add_option("--display-type", display->type,
                "manifest, manifest-envelope or genesis-output (default: a manifest or envelope)")
      ->check(CLI::IsMember({"manifest", "manifest-envelope", "genesis-output"}));
  auto [v, verify] = AddCommand<VerifyEnvelopeArgs>(
      *q, "verify-envelope",
      "Exit 0 when the envelope's manifest-set approvals meet the threshold, 1 naming what fails",
      exit_code, RunVerifyEnvelope);
  v->add_option("ENVELOPE", verify->file, "The manifest envelope")->required();
  auto [a, approve] = AddCommand<ApproveArgs>(
      *q, "approve-manifest",
      "Sign a manifest's hash as a manifest-set member, after showing what is approved", exit_code,
      RunApprove);
  a->add_option("--secret-path", approve->secret, "Your key's .secret file")->required();
  a->add_option("--alias", approve->alias, "Your alias in the manifest set")->required();
  a->add_option("--manifest-path", approve->manifest, "The manifest (JSON)")->required();
  a->add_option("--manifest-approvals-dir", approve->approvals_dir,
                "Where ALIAS-NAMESPACE-NONCE.approval is written")
      ->required();
  a->add_flag("--yes", approve->yes, "Approve without asking (scripts)");
  auto [e, envelope] = AddCommand<EnvelopeArgs>(
      *q, "generate-manifest-envelope",
      "Put a manifest and its approvals (each checked, at least the threshold) in an envelope",
      exit_code, RunGenerateEnvelope);
  e->add_option("--manifest-approvals-dir", envelope->approvals_dir, "The *.approval files")
      ->required();
  e->add_option("--manifest-path", envelope->manifest, "The manifest (JSON)")->required();
  e->add_option("--manifest-envelope-path", envelope->out, "The envelope to write (must not exist)")
      ->required();
  AddVerifyAttestationCommand(*q, exit_code);
  AddQuorumEnclaveCommands(*q, exit_code);
  AddQuorumGenesisCommands(*q, exit_code);
  AddQuorumForwardCommands(*q, exit_code);
  AddQuorumReshardCommands(*q, exit_code);
  AddGenerateManifestCommand(*q, exit_code);
}

}  // namespace vigil::cli
