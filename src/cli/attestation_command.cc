// `vigil quorum verify-attestation DOC`: checks a Nitro attestation document (COSE_Sign1,
// ES384) the way a share holder must before trusting the key it carries
// (docs/SPEC-attestation.md). Exit 0 valid, 1 invalid naming the failed check, 2 bad input.
#include <ctime>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"

namespace vigil::cli {
namespace {

using attestation::AttestationDocument;

struct VerifyAttestationArgs {
  std::string document;
  AttestationTrust trust;
  std::string user_data;
  std::string public_key;
  std::string nonce;
  bool no_nonce = false;
  std::vector<std::string> pcrs;
  bool json = false;
};

Result<std::optional<Bytes>> OptionalHex(const std::string& text, const char* flag) {
  if (text.empty()) return std::optional<Bytes>();
  Result<Bytes> bytes = HexDecode(text);
  if (!bytes.ok()) return Error::BadInput(std::string(flag) + " is not hex: " + text);
  return std::optional<Bytes>(std::move(*bytes));
}

// N=HEX, N from 0 to 31.
Status ParsePcrs(const std::vector<std::string>& specs, std::map<int, Bytes>& out) {
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    const std::string_view text(spec);
    const ScannedNumber<std::uint64_t> index =
        ScanUnsigned(text.substr(0, eq == std::string::npos ? 0 : eq), 0, 31);
    Result<Bytes> value = HexDecode(eq == std::string::npos ? "" : text.substr(eq + 1));
    if (!index.ok() || !value.ok() || value->empty()) {
      return Error::BadInput("--pcr takes N=HEX with N from 0 to 31, not '" + spec + "'");
    }
    out[static_cast<int>(index.value)] = std::move(*value);
  }
  return OkStatus();
}

Result<attestation::VerifyOptions> Options(const VerifyAttestationArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(args.trust));
  VIGIL_ASSIGN_OR_RETURN(options.expect.user_data, OptionalHex(args.user_data, "--user-data"));
  VIGIL_ASSIGN_OR_RETURN(options.expect.public_key, OptionalHex(args.public_key, "--public-key"));
  VIGIL_ASSIGN_OR_RETURN(options.expect.nonce, OptionalHex(args.nonce, "--nonce"));
  if (options.expect.nonce && args.no_nonce) {
    return Error::BadInput("--nonce and --no-nonce contradict each other");
  }
  options.expect.no_nonce = args.no_nonce;
  VIGIL_RETURN_IF_ERROR(ParsePcrs(args.pcrs, options.expect.pcrs));
  return options;
}

Json OptionalHexJson(const std::optional<Bytes>& value) {
  return value ? Json(HexEncode(*value)) : Json(nullptr);
}

void Print(const AttestationDocument& doc, bool json) {
  Json pcrs = Json::object();
  for (const auto& [index, value] : doc.pcrs) pcrs[std::to_string(index)] = HexEncode(value);
  if (json) {
    PrintJson(Json{{"valid", true},
                   {"mock", attestation::IsMockDocument(doc)},
                   {"module_id", doc.module_id},
                   {"timestamp_ms", doc.timestamp_ms},
                   {"pcrs", pcrs},
                   {"public_key", OptionalHexJson(doc.public_key)},
                   {"user_data", OptionalHexJson(doc.user_data)},
                   {"nonce", OptionalHexJson(doc.nonce)}});
    return;
  }
  std::printf("ok: %s attestation document from %s, timestamp %llu ms, %zu PCRs\n",
              attestation::IsMockDocument(doc) ? "MOCK" : "Nitro", doc.module_id.c_str(),
              static_cast<unsigned long long>(doc.timestamp_ms), doc.pcrs.size());
  for (const auto& [index, value] : doc.pcrs) {
    std::printf("  PCR%-2d %s\n", index, HexEncode(value).c_str());
  }
  std::printf("  user_data  %s\n  public_key %s\n  nonce      %s\n",
              doc.user_data ? HexEncode(*doc.user_data).c_str() : "(none)",
              doc.public_key ? HexEncode(*doc.public_key).c_str() : "(none)",
              doc.nonce ? HexEncode(*doc.nonce).c_str() : "(none)");
}

Status RunVerifyAttestation(const VerifyAttestationArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, Options(args));
  VIGIL_ASSIGN_OR_RETURN(Bytes document, ReadFile(args.document, attestation::kMaxDocumentBytes));
  Result<AttestationDocument> doc = attestation::VerifyDocument(document, options);
  if (!doc.ok()) {
    if (args.json) PrintJson(Json{{"valid", false}, {"error", doc.error().message()}});
    return doc.error();
  }
  Print(*doc, args.json);
  return OkStatus();
}

}  // namespace

void AddVerifyAttestationCommand(CLI::App& quorum, int* exit_code) {
  auto [c, args] = AddCommand<VerifyAttestationArgs>(
      quorum, "verify-attestation",
      "Check a Nitro attestation document: its age, the certificate chain from the pinned root "
      "at the document's own time, the signature, and the values it must carry",
      exit_code, RunVerifyAttestation);
  c->add_option("DOC", args->document, "The document (COSE_Sign1, CBOR)")->required();
  c->add_option("--user-data", args->user_data, "Expected user_data (hex)");
  c->add_option("--public-key", args->public_key, "Expected public_key (hex)");
  c->add_option("--nonce", args->nonce, "Expected nonce (hex)");
  c->add_flag("--no-nonce", args->no_nonce, "Require that the document carries no nonce");
  c->add_option("--pcr", args->pcrs, "Expected PCR value, N=HEX (repeatable)");
  AddTrustOptions(c, args->trust);
  c->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
