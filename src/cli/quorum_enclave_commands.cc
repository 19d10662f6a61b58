// `vigil quorum enclave-status | boot-standard | get-attestation-doc | proxy-re-encrypt-share
// | post-share`: the operator's and share holders' commands that talk to an enclave, with
// qos_client's names and files (docs/SPEC-quorum.md). For now over the enclave's Unix socket
// (--usock) or through a host relay (--host-ip, --host-port).
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include "attestation/document_reader.h"
#include "attestation/document_verifier.h"
#include "attestation/tpm_document.h"
#include "attestation/tpm_document_verifier.h"
#include "base/file.h"
#include "base/hex.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/enclave_client.h"
#include "cli/qos_files.h"
#include "cli/tpm_activation.h"
#include "crypto/envelope.h"
#include "crypto/p256_key_files.h"
#include "crypto/random.h"
#include "quorum/approvals.h"
#include "quorum/manifest_attestation.h"
#include "quorum/manifest_json.h"

namespace vigil::cli {
namespace {

using quorum::MessageKind;
using quorum::ProtocolMsg;

constexpr std::uint64_t kMaxPivotBytes = 1ull << 30;

const char* DocumentKind(const attestation::AttestationDocument& doc) {
  return attestation::IsMockDocument(doc)  ? "MOCK"
         : attestation::IsTpmDocument(doc) ? "TPM"
                                           : "Nitro";
}

// ---- enclave-status ----

struct StatusArgs {
  EnclaveAddress enclave;
};

Status RunStatus(const StatusArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer,
                         Exchange(args.enclave, quorum::Request(MessageKind::kStatusRequest)));
  std::printf("%s\n", std::string(quorum::PhaseName(answer.phase)).c_str());
  return OkStatus();
}

// ---- boot-standard, boot-key-fwd ----

struct BootArgs {
  MessageKind kind = MessageKind::kBootStandardRequest;  // or kBootKeyForwardRequest
  EnclaveAddress enclave;
  std::string envelope, pivot, attestation_out;
  AttestationTrust trust;
};

// Boots with an approved envelope and keeps the setup document only if it checks out
// against the manifest. For key forwarding the enclave then waits for the key.
Status RunBoot(const BootArgs& args) {
  ProtocolMsg request = quorum::Request(args.kind);
  VIGIL_ASSIGN_OR_RETURN(request.envelope, ReadEnvelopeFile(args.envelope));
  if (!args.pivot.empty()) {
    VIGIL_ASSIGN_OR_RETURN(request.pivot, ReadFile(args.pivot, kMaxPivotBytes));
  }
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (!answer.nsm || answer.nsm->kind != quorum::NsmResponse::Kind::kAttestation) {
    return Error::Failed("the enclave did not answer with an attestation document");
  }
  Status activated = ActivateTpmKey(args.enclave, answer.nsm->data, options);
  if (!activated.ok()) {
    return activated.error().WithContext("the enclave booted, but its attestation fails");
  }
  Result<attestation::AttestationDocument> doc = quorum::VerifyAgainstManifest(
      answer.nsm->data, request.envelope->manifest, quorum::ManifestPhase::kSetup, options);
  if (!doc.ok()) return doc.error().WithContext("the enclave booted, but its attestation fails");
  if (!args.attestation_out.empty()) {
    VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.attestation_out, answer.nsm->data, 0644));
  }
  std::printf("booted%s: %s attestation verified against the manifest; setup key %s\n",
              args.kind == MessageKind::kBootKeyForwardRequest ? " for key forwarding" : "",
              DocumentKind(*doc), HexEncode(*doc->public_key).c_str());
  return OkStatus();
}

// ---- get-attestation-doc ----

struct AttestationDocArgs {
  EnclaveAddress enclave;
  std::string doc_out, envelope_out, nonce;
};

Result<Bytes> NonceArgument(const std::string& hex) {
  Result<Bytes> nonce = HexDecode(hex);
  if (!nonce.ok() || nonce->empty() || nonce->size() > quorum::kMaxNonceBytes) {
    return Error::BadInput("--nonce must be 1 to 512 bytes of hex");
  }
  return nonce;
}

Status RunGetAttestationDoc(const AttestationDocArgs& args) {
  ProtocolMsg request = quorum::Request(MessageKind::kLiveAttestationDocRequest);
  if (!args.nonce.empty()) {
    request.kind = MessageKind::kLiveAttestationDocWithNonceRequest;
    VIGIL_ASSIGN_OR_RETURN(request.nonce, NonceArgument(args.nonce));
  }
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (!answer.nsm) return Error::Failed("the enclave's answer lacks the document");
  if (!args.envelope_out.empty() && !answer.envelope) {
    return Error::Failed(
        "the enclave shows no manifest envelope (a resharding enclave has none): leave out "
        "--manifest-envelope-path; nothing written");
  }
  if (!request.nonce.empty()) {
    // The document must be this request's: it carries the nonce sent.
    std::optional<Bytes> nonce;
    if (attestation::LooksLikeTpmDocument(answer.nsm->data)) {
      VIGIL_ASSIGN_OR_RETURN(attestation::TpmDocument doc,
                             attestation::DecodeTpmDocument(answer.nsm->data));
      nonce = doc.nonce;
    } else {
      VIGIL_ASSIGN_OR_RETURN(attestation::CoseSign1 cose,
                             attestation::ReadCoseSign1(answer.nsm->data));
      VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument doc,
                             attestation::ReadPayload(cose.payload));
      nonce = doc.nonce;
    }
    if (nonce != request.nonce) {
      return Error::Failed("nonce: the document does not carry the nonce sent; nothing written");
    }
  }
  if (args.envelope_out.empty()) {
    VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.doc_out, answer.nsm->data, 0644));
    std::printf("attestation document: %s\n", args.doc_out.c_str());
    return OkStatus();
  }
  VIGIL_ASSIGN_OR_RETURN(std::string envelope, quorum::EnvelopeJson(*answer.envelope));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.doc_out, answer.nsm->data, 0644));
  Status written = CreateFileAtomic(args.envelope_out, AsBytes(envelope), 0644);
  if (!written.ok()) {
    std::error_code ignored;
    std::filesystem::remove(args.doc_out, ignored);
    return written;
  }
  std::printf("attestation document: %s\nmanifest envelope: %s\n", args.doc_out.c_str(),
              args.envelope_out.c_str());
  return OkStatus();
}

// ---- proxy-re-encrypt-share ----

struct ReEncryptArgs {
  std::string share, secret, doc, envelope, reshard, alias, approval_out, wrapped_out, nonce;
  AttestationTrust trust;
  EnclaveAddress enclave;  // TPM enclaves: for the activation and a fresh quote
  bool yes = false;
};

// What a share holder sends its share for and approves: a manifest (boot standard), or a
// reshard (the manifest's enclave and share set, the reshard's hash and new share set).
struct ShareTarget {
  quorum::Manifest manifest;
  crypto::Sha256Digest hash{};
  std::size_t approvals = 0;
  std::optional<quorum::MemberSet> new_share_set;
};

// Checked before anything is decrypted: the manifest set's approvals over the hash.
Result<ShareTarget> ReadShareTarget(const ReEncryptArgs& args) {
  if (args.envelope.empty() == args.reshard.empty()) {
    return Error::BadInput("give --manifest-envelope-path or --reshard-envelope-path");
  }
  ShareTarget target;
  if (!args.reshard.empty()) {
    VIGIL_ASSIGN_OR_RETURN(CheckedReshard reshard, ReadReshardEnvelopeFile(args.reshard));
    target.manifest = std::move(reshard.envelope.reshard.manifest);
    target.hash = reshard.hash;
    target.approvals = reshard.envelope.manifest_set_approvals.size();
    target.new_share_set = std::move(reshard.envelope.reshard.new_share_set);
    return target;
  }
  VIGIL_ASSIGN_OR_RETURN(quorum::ManifestEnvelope envelope, ReadEnvelopeFile(args.envelope));
  VIGIL_ASSIGN_OR_RETURN(target.hash, quorum::ManifestHash(envelope.manifest));
  VIGIL_RETURN_IF_ERROR(
      quorum::CheckApprovals(envelope.manifest, target.hash, envelope.manifest_set_approvals));
  target.manifest = std::move(envelope.manifest);
  target.approvals = envelope.manifest_set_approvals.size();
  return target;
}

// A TPM enclave (docs/SPEC-tpm.md): bind the document's attestation key to its TPM by a
// credential activation, then ask for a quote over this share holder's own fresh nonce,
// which replaces the document read from the file.
Status FreshTpmDocument(const ReEncryptArgs& args, attestation::VerifyOptions& options,
                        Bytes& document) {
  VIGIL_RETURN_IF_ERROR(ActivateTpmKey(args.enclave, document, options));
  ProtocolMsg request = quorum::Request(MessageKind::kLiveAttestationDocWithNonceRequest);
  request.nonce = Bytes(32);
  VIGIL_RETURN_IF_ERROR(crypto::RandomBytes(request.nonce));
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (!answer.nsm) return Error::Failed("the enclave's answer lacks the document");
  document = std::move(answer.nsm->data);
  options.expect.nonce = std::move(request.nonce);
  return OkStatus();
}

// The share holder's checks of the enclave before anything is encrypted to it.
Result<attestation::AttestationDocument> CheckEnclave(const ReEncryptArgs& args,
                                                      const ShareTarget& target,
                                                      const quorum::QuorumMember& me) {
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  if (!args.nonce.empty()) {
    VIGIL_ASSIGN_OR_RETURN(options.expect.nonce, NonceArgument(args.nonce));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes document, ReadFile(args.doc, attestation::kMaxTpmDocumentBytes));
  if (!attestation::LooksLikeTpmDocument(document) &&
      document.size() > attestation::kMaxDocumentBytes) {
    return Error::BadInput(args.doc + " is larger than an attestation document may be");
  }
  const auto& members = target.manifest.share_set.members;
  if (std::find(members.begin(), members.end(), me) == members.end()) {
    return Error::Failed("NotShareSetMember: " + me.alias +
                         " with this key is not in the manifest's share set; nothing encrypted");
  }
  if (attestation::LooksLikeTpmDocument(document)) {
    VIGIL_RETURN_IF_ERROR(FreshTpmDocument(args, options, document));
  }
  return quorum::VerifyAgainstManifestHash(document, target.manifest, target.hash,
                                           quorum::ManifestPhase::kSetup, options);
}

Status Confirm(const ShareTarget& target, const attestation::AttestationDocument& doc) {
  const quorum::Manifest& m = target.manifest;
  std::cout << (target.new_share_set ? "Reshard" : "Send your share of") << " namespace "
            << m.name_space.name << " (nonce " << m.name_space.nonce << ", "
            << (target.new_share_set ? "reshard " : "manifest ") << crypto::Sha256Hex(target.hash)
            << ", " << target.approvals << " approvals)";
  if (target.new_share_set) {
    std::cout << " to a new share set of " << target.new_share_set->threshold << " of";
    for (const quorum::QuorumMember& member : target.new_share_set->members) {
      std::cout << " " << member.alias;
    }
    std::cout << ", sending your share";
  }
  std::cout << " to the " << DocumentKind(doc) << " enclave with key "
            << HexEncode(*doc.public_key).substr(0, 16) << "...? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer) || (answer != "y" && answer != "yes")) {
    return Error::Failed("not confirmed: nothing written");
  }
  return OkStatus();
}

Status RunReEncrypt(const ReEncryptArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(ShareTarget target, ReadShareTarget(args));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair me, crypto::ReadP256Pair(args.secret));
  const quorum::QuorumMember member{args.alias, me.public_key()};
  VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument doc, CheckEnclave(args, target, member));
  if (!args.yes) VIGIL_RETURN_IF_ERROR(Confirm(target, doc));
  VIGIL_ASSIGN_OR_RETURN(Bytes sealed, ReadFile(args.share, 4096));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes share, crypto::qos::Decrypt(me, sealed));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Public enclave,
                         crypto::qos::P256Public::FromBytes(*doc.public_key));
  VIGIL_ASSIGN_OR_RETURN(Bytes wrapped, crypto::qos::Encrypt(enclave, share.view()));
  quorum::Approval approval{.signature = {}, .member = member};
  VIGIL_ASSIGN_OR_RETURN(approval.signature, me.Sign(target.hash));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.wrapped_out, wrapped, 0600));
  Status approved =
      CreateFileAtomic(args.approval_out, AsBytes(quorum::ApprovalJson(approval)), 0644);
  if (!approved.ok()) {
    std::error_code ignored;
    std::filesystem::remove(args.wrapped_out, ignored);
    return approved;
  }
  std::printf("share re-encrypted to the enclave's setup key: %s\napproval: %s\n",
              args.wrapped_out.c_str(), args.approval_out.c_str());
  return OkStatus();
}

// ---- post-share ----

struct PostShareArgs {
  EnclaveAddress enclave;
  std::string wrapped, approval;
};

Status RunPostShare(const PostShareArgs& args) {
  ProtocolMsg request = quorum::Request(MessageKind::kProvisionRequest);
  VIGIL_ASSIGN_OR_RETURN(request.share, ReadFile(args.wrapped, 4096));
  VIGIL_ASSIGN_OR_RETURN(Bytes approval, ReadFile(args.approval, 64 * 1024));
  VIGIL_ASSIGN_OR_RETURN(request.approval, quorum::ParseApprovalJson(AsText(approval)));
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  std::printf("%s\n", answer.reconstructed ? "share accepted: the quorum key is reconstructed"
                                           : "share accepted: the enclave waits for more shares");
  return OkStatus();
}

}  // namespace

void AddQuorumEnclaveCommands(CLI::App& q, int* exit_code) {
  auto [s, status] =
      AddCommand<StatusArgs>(q, "enclave-status", "The enclave's phase", exit_code, RunStatus);
  AddEnclaveAddressOptions(s, status->enclave);
  auto [b, boot] = AddCommand<BootArgs>(
      q, "boot-standard",
      "Boot an enclave with an approved manifest envelope and check the attestation it answers",
      exit_code, RunBoot);
  AddEnclaveAddressOptions(b, boot->enclave);
  b->add_option("--manifest-envelope-path", boot->envelope, "The envelope")->required();
  b->add_option("--pivot-path", boot->pivot,
                "The pivot binary (default: none sent; the enclave boots its image's target)");
  b->add_option("--attestation-doc-path", boot->attestation_out,
                "Also write the attestation document here (must not exist)");
  AddTrustOptions(b, boot->trust);
  auto [k, forward] = AddCommand<BootArgs>(
      q, "boot-key-fwd",
      "Boot a new enclave that waits for its quorum key from another; check its attestation",
      exit_code, RunBoot);
  forward->kind = MessageKind::kBootKeyForwardRequest;
  AddEnclaveAddressOptions(k, forward->enclave);
  k->add_option("--manifest-envelope-path", forward->envelope, "The new envelope")->required();
  k->add_option("--pivot-path", forward->pivot, "The pivot (default: the image's target)");
  k->add_option("--attestation-doc-path", forward->attestation_out,
                "Where its setup attestation goes, for export-key (must not exist)")
      ->required();
  AddTrustOptions(k, forward->trust);
  auto [g, get] = AddCommand<AttestationDocArgs>(
      q, "get-attestation-doc", "Fetch the enclave's live attestation document and envelope",
      exit_code, RunGetAttestationDoc);
  AddEnclaveAddressOptions(g, get->enclave);
  g->add_option("--attestation-doc-path", get->doc_out, "Where the document goes")->required();
  g->add_option("--manifest-envelope-path", get->envelope_out,
                "Where the envelope goes (a resharding enclave has none: leave it out)");
  g->add_option("--nonce", get->nonce,
                "HEX: ask for a document carrying this nonce (Vigil's request, variant 24) and "
                "check it does");
  auto [r, re] = AddCommand<ReEncryptArgs>(
      q, "proxy-re-encrypt-share",
      "Check the enclave's attestation, the manifest's approvals and your membership, then "
      "re-encrypt your share to the enclave",
      exit_code, RunReEncrypt);
  r->add_option("--share-path", re->share, "Your share (encrypted to your key)")->required();
  r->add_option("--secret-path", re->secret, "Your key's .secret file")->required();
  r->add_option("--attestation-doc-path", re->doc, "The enclave's attestation")->required();
  CLI::Option* envelope_option =
      r->add_option("--manifest-envelope-path", re->envelope, "The envelope it booted");
  r->add_option("--reshard-envelope-path", re->reshard,
                "Or the reshard envelope it booted (vigil quorum boot-reshard)")
      ->excludes(envelope_option);
  r->add_option("--alias", re->alias, "Your alias in the share set")->required();
  r->add_option("--approval-path", re->approval_out, "The approval to write")->required();
  r->add_option("--eph-wrapped-share-path", re->wrapped_out, "The re-encrypted share to write")
      ->required();
  r->add_flag("--yes", re->yes, "Do not ask (scripts)");
  r->add_option("--nonce", re->nonce,
                "HEX: the document must carry this nonce (from get-attestation-doc --nonce)");
  AddTrustOptions(r, re->trust);
  AddEnclaveAddressOptions(r, re->enclave);
  auto [p, post] = AddCommand<PostShareArgs>(q, "post-share", "Send a re-encrypted share",
                                             exit_code, RunPostShare);
  AddEnclaveAddressOptions(p, post->enclave);
  p->add_option("--eph-wrapped-share-path", post->wrapped, "The re-encrypted share")->required();
  p->add_option("--approval-path", post->approval, "Your approval")->required();
}

}  // namespace vigil::cli
