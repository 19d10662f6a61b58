// `vigil quorum generate-reshard-manifest | approve-reshard | generate-reshard-envelope |
// boot-reshard | get-reshard-output | after-reshard`: resharding a quorum key to a new share
// set (docs/SPEC-quorum.md, "Resharding"). The manifest set approves a reshard manifest (the
// namespace's manifest and the new share set); an enclave boots it and attests; the old
// share holders send their shares with proxy-re-encrypt-share --reshard-envelope-path and
// post-share; the host fetches the attested output; each new member checks and keeps its
// share, never in the clear.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "base/file.h"
#include "base/hex.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/enclave_client.h"
#include "cli/qos_files.h"
#include "crypto/p256_key_files.h"
#include "quorum/approvals.h"
#include "quorum/manifest_attestation.h"
#include "quorum/manifest_json.h"
#include "quorum/reshard_attestation.h"
#include "quorum/reshard_json.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using quorum::MessageKind;
using quorum::ProtocolMsg;
using quorum::ReshardManifest;

constexpr char kApprovalExtension[] = ".reshard-approval";

Result<ReshardManifest> ReadReshardManifestFile(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, quorum::kMaxManifestJsonBytes));
  Result<ReshardManifest> reshard = quorum::ParseReshardManifestJson(AsText(text));
  if (!reshard.ok()) return reshard.error().WithContext(path);
  Status valid = quorum::CheckReshardManifest(*reshard);
  if (!valid.ok()) return valid.error().WithContext(path);
  return reshard;
}

void PrintSet(const char* title, const quorum::MemberSet& set) {
  std::printf("%s: %u of %zu:", title, set.threshold, set.members.size());
  for (const quorum::QuorumMember& member : set.members) std::printf(" %s", member.alias.c_str());
  std::printf("\n");
}

void PrintReshard(const ReshardManifest& reshard, const crypto::Sha256Digest& hash) {
  const quorum::Manifest& m = reshard.manifest;
  std::printf("reshard %s\nnamespace %s, nonce %u\nquorum key %s\n",
              crypto::Sha256Hex(hash).c_str(), m.name_space.name.c_str(), m.name_space.nonce,
              HexEncode(m.name_space.quorum_key).c_str());
  PrintSet("share set now", m.share_set);
  PrintSet("new share set", reshard.new_share_set);
}

// ---- generate-reshard-manifest ----

struct GenerateArgs {
  std::string manifest, new_set_dir, out;
};

Status RunGenerate(const GenerateArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(args.manifest, quorum::kMaxManifestJsonBytes));
  ReshardManifest reshard;
  Result<quorum::Manifest> manifest = quorum::ParseManifestJson(AsText(text));
  if (!manifest.ok()) return manifest.error().WithContext(args.manifest);
  reshard.manifest = std::move(*manifest);
  VIGIL_ASSIGN_OR_RETURN(reshard.new_share_set, ReadMemberSetDir(args.new_set_dir));
  Status valid = quorum::CheckReshardManifest(reshard);
  if (!valid.ok()) return Error::BadInput(args.new_set_dir + ": " + valid.error().message());
  VIGIL_ASSIGN_OR_RETURN(std::string json, quorum::ReshardManifestJson(reshard));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ReshardHash(reshard));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.out, AsBytes(json), 0644));
  PrintReshard(reshard, hash);
  std::printf("written: %s\n", args.out.c_str());
  return OkStatus();
}

// ---- approve-reshard ----

struct ApproveArgs {
  std::string reshard, secret, alias, approvals_dir;
  bool yes = false;
};

Status RunApprove(const ApproveArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(ReshardManifest reshard, ReadReshardManifestFile(args.reshard));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, crypto::ReadP256Pair(args.secret));
  quorum::Approval approval{.signature = {}, .member = {args.alias, pair.public_key()}};
  const auto& members = reshard.manifest.manifest_set.members;
  if (std::find(members.begin(), members.end(), approval.member) == members.end()) {
    return Error::Failed("NotManifestSetMember: " + args.alias +
                         " with this key is not in the manifest set; nothing approved");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ReshardHash(reshard));
  if (!args.yes) {
    PrintReshard(reshard, hash);
    std::cout << "Approve handing this quorum key to the new share set, as " << args.alias
              << "? [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes")) {
      return Error::Failed("not approved: nothing written");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(approval.signature, pair.Sign(hash));
  std::string ns = reshard.manifest.name_space.name;
  std::replace(ns.begin(), ns.end(), '/', '-');
  const fs::path out = fs::path(args.approvals_dir) /
                       (args.alias + "-" + ns + "-" +
                        std::to_string(reshard.manifest.name_space.nonce) + kApprovalExtension);
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(out, AsBytes(quorum::ApprovalJson(approval)), 0644));
  std::printf("approved reshard %s as %s: %s\n", crypto::Sha256Hex(hash).c_str(),
              args.alias.c_str(), out.c_str());
  return OkStatus();
}

// ---- generate-reshard-envelope ----

struct EnvelopeArgs {
  std::string reshard, approvals_dir, out;
};

Status RunEnvelope(const EnvelopeArgs& args) {
  quorum::ReshardEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.reshard, ReadReshardManifestFile(args.reshard));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::ReshardHash(envelope.reshard));
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(args.approvals_dir, ec)) {
    if (entry.path().extension() == kApprovalExtension) files.push_back(entry.path());
  }
  if (ec) return Error::BadInput("cannot list " + args.approvals_dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    VIGIL_ASSIGN_OR_RETURN(Bytes json, ReadFile(file, quorum::kMaxManifestJsonBytes));
    Result<quorum::Approval> approval = quorum::ParseApprovalJson(AsText(json));
    if (!approval.ok()) return approval.error().WithContext(file.string());
    Status valid =
        quorum::CheckMemberApproval(envelope.reshard.manifest.manifest_set, hash, *approval);
    if (!valid.ok()) return valid.error().WithContext(file.string());
    envelope.manifest_set_approvals.push_back(std::move(*approval));
  }
  VIGIL_RETURN_IF_ERROR(quorum::CheckReshardApprovals(envelope, hash));
  VIGIL_ASSIGN_OR_RETURN(std::string out, quorum::ReshardEnvelopeJson(envelope));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.out, AsBytes(out), 0644));
  std::printf("reshard envelope %s: %zu approvals over reshard %s\n", args.out.c_str(),
              envelope.manifest_set_approvals.size(), crypto::Sha256Hex(hash).c_str());
  return OkStatus();
}

// ---- boot-reshard ----

struct BootArgs {
  EnclaveAddress enclave;
  std::string envelope, attestation_out;
  AttestationTrust trust;
};

Status RunBoot(const BootArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(CheckedReshard reshard, ReadReshardEnvelopeFile(args.envelope));
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  ProtocolMsg request = quorum::Request(MessageKind::kBootReshardRequest);
  request.reshard_envelope = reshard.envelope;
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (answer.kind != MessageKind::kBootReshardResponse || !answer.nsm ||
      answer.nsm->kind != quorum::NsmResponse::Kind::kAttestation) {
    return Error::Failed("the enclave did not answer with an attestation document");
  }
  Result<attestation::AttestationDocument> doc =
      quorum::VerifyAgainstManifestHash(answer.nsm->data, reshard.envelope.reshard.manifest,
                                        reshard.hash, quorum::ManifestPhase::kSetup, options);
  if (!doc.ok()) return doc.error().WithContext("the enclave booted, but its attestation fails");
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.attestation_out, answer.nsm->data, 0644));
  std::printf("booted to reshard %s: %s attestation verified; setup key %s\n",
              crypto::Sha256Hex(reshard.hash).c_str(),
              attestation::IsMockDocument(*doc) ? "MOCK" : "Nitro",
              HexEncode(*doc->public_key).c_str());
  return OkStatus();
}

// ---- get-reshard-output ----

struct OutputArgs {
  EnclaveAddress enclave;
  std::string envelope, output_out, doc_out;
  AttestationTrust trust;
};

Status RunGetOutput(const OutputArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(CheckedReshard reshard, ReadReshardEnvelopeFile(args.envelope));
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  VIGIL_ASSIGN_OR_RETURN(
      ProtocolMsg answer,
      Exchange(args.enclave, quorum::Request(MessageKind::kReshardOutputRequest)));
  if (answer.kind != MessageKind::kReshardOutputResponse || !answer.nsm ||
      answer.nsm->kind != quorum::NsmResponse::Kind::kAttestation) {
    return Error::Failed("the enclave did not answer with a reshard output and its attestation");
  }
  VIGIL_ASSIGN_OR_RETURN(quorum::ReshardOutput output,
                         quorum::VerifyReshardOutput(answer.reshard_output, answer.nsm->data,
                                                     reshard.envelope.reshard, options));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.doc_out, answer.nsm->data, 0644));
  Status written = CreateFileAtomic(args.output_out, answer.reshard_output, 0644);
  if (!written.ok()) {
    std::error_code ignored;
    fs::remove(args.doc_out, ignored);
    return written;
  }
  std::printf("reshard output verified: %u of %zu new shares of quorum key %s\n", output.threshold,
              output.member_outputs.size(), HexEncode(output.quorum_key).substr(0, 16).c_str());
  return OkStatus();
}

// ---- after-reshard ----

struct AfterArgs {
  std::string envelope, output, doc, secret, alias, share_out;
  AttestationTrust trust;
};

Status RunAfter(const AfterArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(CheckedReshard reshard, ReadReshardEnvelopeFile(args.envelope));
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  VIGIL_ASSIGN_OR_RETURN(Bytes borsh, ReadFile(args.output, quorum::kMaxReshardOutputBytes));
  VIGIL_ASSIGN_OR_RETURN(Bytes document, ReadFile(args.doc, attestation::kMaxDocumentBytes));
  VIGIL_ASSIGN_OR_RETURN(
      quorum::ReshardOutput output,
      quorum::VerifyReshardOutput(borsh, document, reshard.envelope.reshard, options));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair me, crypto::ReadP256Pair(args.secret));
  VIGIL_RETURN_IF_ERROR(
      KeepOwnShare(output.member_outputs, me, args.alias, args.share_out, "the reshard output"));
  std::printf(
      "share of %s checked (SHA-512 matches) and written, still encrypted to your key: %s\n",
      args.alias.c_str(), args.share_out.c_str());
  return OkStatus();
}

void AddPreparation(CLI::App& q, int* exit_code) {
  auto [g, generate] = AddCommand<GenerateArgs>(
      q, "generate-reshard-manifest",
      "Write a reshard manifest: the namespace's manifest and the share set to hand its key to",
      exit_code, RunGenerate);
  g->add_option("--manifest-path", generate->manifest, "The namespace's manifest (JSON)")
      ->required();
  g->add_option("--new-share-set-dir", generate->new_set_dir, "ALIAS.pub files, quorum_threshold")
      ->required();
  g->add_option("--reshard-manifest-path", generate->out, "Where it goes (must not exist)")
      ->required();
  auto [a, approve] = AddCommand<ApproveArgs>(
      q, "approve-reshard", "Approve a reshard manifest as a member of the manifest set", exit_code,
      RunApprove);
  a->add_option("--reshard-manifest-path", approve->reshard, "The reshard manifest")->required();
  a->add_option("--secret-path", approve->secret, "Your key's .secret file")->required();
  a->add_option("--alias", approve->alias, "Your alias in the manifest set")->required();
  a->add_option("--reshard-approvals-dir", approve->approvals_dir,
                "Where ALIAS-NAMESPACE-NONCE.reshard-approval goes")
      ->required();
  a->add_flag("--yes", approve->yes, "Approve without asking (scripts)");
  auto [e, envelope] = AddCommand<EnvelopeArgs>(
      q, "generate-reshard-envelope",
      "Gather the manifest set's reshard approvals into the envelope an enclave boots", exit_code,
      RunEnvelope);
  e->add_option("--reshard-manifest-path", envelope->reshard, "The reshard manifest")->required();
  e->add_option("--reshard-approvals-dir", envelope->approvals_dir, "The *.reshard-approval files")
      ->required();
  e->add_option("--reshard-envelope-path", envelope->out, "Where it goes (must not exist)")
      ->required();
}

}  // namespace

void AddQuorumReshardCommands(CLI::App& q, int* exit_code) {
  AddPreparation(q, exit_code);
  auto [b, boot] = AddCommand<BootArgs>(
      q, "boot-reshard", "Boot an enclave to reshard and check the attestation it answers",
      exit_code, RunBoot);
  AddEnclaveAddressOptions(b, boot->enclave);
  b->add_option("--reshard-envelope-path", boot->envelope, "The approved reshard envelope")
      ->required();
  b->add_option("--attestation-doc-path", boot->attestation_out,
                "Where its setup attestation goes, for the share holders (must not exist)")
      ->required();
  AddTrustOptions(b, boot->trust);
  auto [o, output] = AddCommand<OutputArgs>(
      q, "get-reshard-output",
      "Fetch a resharded enclave's output and keep it only if its attestation checks out",
      exit_code, RunGetOutput);
  AddEnclaveAddressOptions(o, output->enclave);
  o->add_option("--reshard-envelope-path", output->envelope, "The envelope it booted")->required();
  o->add_option("--reshard-output-path", output->output_out, "Where the output goes (Borsh)")
      ->required();
  o->add_option("--attestation-doc-path", output->doc_out, "Where its attestation goes")
      ->required();
  AddTrustOptions(o, output->trust, /*record=*/true);
  auto [a, after] = AddCommand<AfterArgs>(
      q, "after-reshard",
      "As a new share holder: check the reshard output and keep your share, still encrypted",
      exit_code, RunAfter);
  a->add_option("--reshard-envelope-path", after->envelope, "The reshard envelope")->required();
  a->add_option("--reshard-output-path", after->output, "get-reshard-output's output")->required();
  a->add_option("--attestation-doc-path", after->doc, "Its attestation")->required();
  a->add_option("--secret-path", after->secret, "Your key's .secret file")->required();
  a->add_option("--alias", after->alias, "Your alias in the new share set")->required();
  a->add_option("--share-path", after->share_out, "Where your share goes (must not exist)")
      ->required();
  AddTrustOptions(a, after->trust, /*record=*/true);
}

}  // namespace vigil::cli
