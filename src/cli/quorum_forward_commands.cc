// `vigil quorum boot-key-fwd | export-key | inject-key`: key forwarding from the operator's
// side, with qos_client's names and files (docs/SPEC-quorum.md, "Key forwarding"). A new
// enclave boots for forwarding and attests; the operator checks that document and asks the
// enclave that holds the quorum key to export it to the new one; the answer (the seed
// encrypted to the new enclave's setup key, signed with the quorum key) is injected.
#include <cstdio>
#include <string>

#include "attestation/document_verifier.h"
#include "base/file.h"
#include "base/hex.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/enclave_client.h"
#include "encoding/strict_json.h"
#include "quorum/json_fields.h"
#include "quorum/manifest_attestation.h"
#include "quorum/manifest_json.h"

namespace vigil::cli {
namespace {

using quorum::MessageKind;
using quorum::ProtocolMsg;

constexpr std::uint64_t kMaxPivotBytes = 1ull << 30;
constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

Result<quorum::ManifestEnvelope> ReadEnvelopeFile(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, quorum::kMaxManifestJsonBytes));
  Result<quorum::ManifestEnvelope> envelope = quorum::ParseEnvelopeJson(AsText(text));
  if (!envelope.ok()) return envelope.error().WithContext(path);
  return envelope;
}

// ---- boot-key-fwd ----

struct BootForwardArgs {
  EnclaveAddress enclave;
  std::string envelope, pivot, attestation_out;
  AttestationTrust trust;
};

Status RunBootForward(const BootForwardArgs& args) {
  ProtocolMsg request = quorum::Request(MessageKind::kBootKeyForwardRequest);
  VIGIL_ASSIGN_OR_RETURN(request.envelope, ReadEnvelopeFile(args.envelope));
  if (!args.pivot.empty()) {
    VIGIL_ASSIGN_OR_RETURN(request.pivot, ReadFile(args.pivot, kMaxPivotBytes));
  }
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (!answer.nsm || answer.nsm->kind != quorum::NsmResponse::Kind::kAttestation) {
    return Error::Failed("the enclave did not answer with an attestation document");
  }
  Result<attestation::AttestationDocument> doc = quorum::VerifyAgainstManifest(
      answer.nsm->data, request.envelope->manifest, quorum::ManifestPhase::kSetup, options);
  if (!doc.ok()) return doc.error().WithContext("the enclave booted, but its attestation fails");
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.attestation_out, answer.nsm->data, 0644));
  std::printf("booted for key forwarding: %s attestation verified; it waits for the key\n",
              attestation::IsMockDocument(*doc) ? "MOCK" : "Nitro");
  return OkStatus();
}

// ---- export-key ----

struct ExportArgs {
  EnclaveAddress enclave;
  std::string envelope, document, key_out;
  AttestationTrust trust;
};

Status RunExport(const ExportArgs& args) {
  ProtocolMsg request = quorum::Request(MessageKind::kExportKeyRequest);
  VIGIL_ASSIGN_OR_RETURN(request.envelope, ReadEnvelopeFile(args.envelope));
  VIGIL_ASSIGN_OR_RETURN(request.data, ReadFile(args.document, attestation::kMaxDocumentBytes));
  // The operator's own check first: a document that fails here is not sent anywhere.
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  Result<attestation::AttestationDocument> doc = quorum::VerifyAgainstManifest(
      request.data, request.envelope->manifest, quorum::ManifestPhase::kSetup, options);
  if (!doc.ok()) return doc.error().WithContext("the new enclave's attestation");
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (answer.kind != MessageKind::kExportKeyResponse) {
    return Error::Failed("the enclave did not answer with the exported key");
  }
  const Json file{{"encrypted_quorum_key", HexEncode(answer.encrypted_quorum_key)},
                  {"signature", HexEncode(answer.signature)}};
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(args.key_out, AsBytes(file.dump()), 0600));
  std::printf("quorum key exported to the new enclave's setup key: %s\n", args.key_out.c_str());
  return OkStatus();
}

// ---- inject-key ----

struct InjectArgs {
  EnclaveAddress enclave;
  std::string key_file;
};

Result<ProtocolMsg> InjectRequest(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, kMaxKeyFileBytes));
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json value, encoding::ParseStrictJson(AsText(text), path, 4));
  ProtocolMsg request = quorum::Request(MessageKind::kInjectKeyRequest);
  using quorum::json_fields::HexField;
  Status keys = quorum::json_fields::CheckKeys(value, "$", {"encrypted_quorum_key", "signature"});
  if (!keys.ok()) return keys.error().WithContext(path);
  Result<Bytes> key = HexField(value["encrypted_quorum_key"], "$.encrypted_quorum_key", 4096);
  Result<Bytes> signature = HexField(value["signature"], "$.signature", 4096);
  if (!key.ok()) return key.error().WithContext(path);
  if (!signature.ok()) return signature.error().WithContext(path);
  request.encrypted_quorum_key = std::move(*key);
  request.signature = std::move(*signature);
  return request;
}

Status RunInject(const InjectArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg request, InjectRequest(args.key_file));
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (answer.kind != MessageKind::kInjectKeyResponse) {
    return Error::Failed("the enclave did not accept the key");
  }
  std::printf("quorum key injected: the enclave starts its pivot\n");
  return OkStatus();
}

}  // namespace

void AddQuorumForwardCommands(CLI::App& q, int* exit_code) {
  auto [b, boot] = AddCommand<BootForwardArgs>(
      q, "boot-key-fwd",
      "Boot a new enclave that waits for its quorum key from another; check its attestation",
      exit_code, RunBootForward);
  AddEnclaveAddressOptions(b, boot->enclave);
  b->add_option("--manifest-envelope-path", boot->envelope, "The new envelope")->required();
  b->add_option("--pivot-path", boot->pivot, "The pivot (default: the image's target)");
  b->add_option("--attestation-doc-path", boot->attestation_out,
                "Where its setup attestation goes (must not exist)")
      ->required();
  AddTrustOptions(b, boot->trust);
  auto [e, exp] = AddCommand<ExportArgs>(
      q, "export-key", "Ask the enclave that holds the quorum key to export it to a new enclave",
      exit_code, RunExport);
  AddEnclaveAddressOptions(e, exp->enclave);
  e->add_option("--manifest-envelope-path", exp->envelope, "The new enclave's envelope")
      ->required();
  e->add_option("--attestation-doc-path", exp->document, "The new enclave's attestation")
      ->required();
  e->add_option("--encrypted-quorum-key-path", exp->key_out,
                "Where the exported key goes (JSON, must not exist)")
      ->required();
  AddTrustOptions(e, exp->trust);
  auto [i, inject] = AddCommand<InjectArgs>(
      q, "inject-key", "Give a new enclave the key exported for it", exit_code, RunInject);
  AddEnclaveAddressOptions(i, inject->enclave);
  i->add_option("--encrypted-quorum-key-path", inject->key_file, "export-key's file")->required();
}

}  // namespace vigil::cli
