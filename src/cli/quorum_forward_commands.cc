// `vigil quorum export-key | inject-key`: key forwarding from the operator's side, with
// qos_client's names and files (docs/SPEC-quorum.md, "Key forwarding"). Once a new enclave
// has booted for forwarding (boot-key-fwd, beside boot-standard), the operator asks the
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
#include "cli/qos_files.h"
#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "quorum/manifest_attestation.h"

namespace vigil::cli {
namespace {

using quorum::MessageKind;
using quorum::ProtocolMsg;

constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;

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
  using encoding::json_fields::HexField;
  Status keys = encoding::json_fields::CheckKeys(value, "$", {"encrypted_quorum_key", "signature"});
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
