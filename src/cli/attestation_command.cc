// `vigil quorum verify-attestation DOC`: checks a Nitro attestation document (COSE_Sign1,
// ES384) the way a share holder must before trusting the key it carries
// (docs/SPEC-attestation.md), or a TPM document (docs/SPEC-tpm.md): its attestation key
// bound to its EK by an activation with the enclave, the quote, the event log replayed, and
// PCR4 and PCR9 against an image's PCR file and PCRs 0-3, 5-7 against a platform's
// reference values, naming the PCR and the event that differ. Exit 0 valid, 1 invalid
// naming the failed check, 2 bad input.
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "attestation/pcrs_file.h"
#include "attestation/tpm_document.h"
#include "attestation/tpm_document_verifier.h"
#include "attestation/tpm_event_log.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/tpm_activation.h"

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
  std::string tpm_pcrs, tpm_platform;
  EnclaveAddress enclave;
  bool json = false;
};

// The events an image's NAME.tpm-pcrs predicts, from its "# PCRn += HEX TYPE: what" lines.
struct PredictedEvent {
  int pcr = 0;
  std::string digest, what;
};

std::vector<PredictedEvent> PredictedEvents(std::string_view text) {
  std::vector<PredictedEvent> out;
  std::istringstream lines{std::string(text)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# PCR", 0) != 0) continue;
    const auto plus = line.find(" += ");
    if (plus == std::string::npos) continue;
    const auto space = line.find(' ', plus + 4);
    const ScannedNumber<std::uint64_t> pcr =
        ScanUnsigned(std::string_view(line).substr(5, plus - 5), 0, 23);
    if (!pcr.ok()) continue;
    out.push_back({.pcr = static_cast<int>(pcr.value),
                   .digest = line.substr(plus + 4, space - plus - 4),
                   .what = space == std::string::npos ? "" : line.substr(space + 1)});
  }
  return out;
}

// After a PCR4 or PCR9 mismatch: the first event of the log that differs from the image's
// prediction (the log replays to the quoted values, so it is the document's account).
std::string DifferingEvent(ByteView bytes, int pcr, const std::vector<PredictedEvent>& predicted) {
  Result<attestation::TpmDocument> doc = attestation::DecodeTpmDocument(bytes);
  if (!doc.ok()) return "";
  Result<attestation::TpmEventLog> log = attestation::ParseTpmEventLog(doc->event_log);
  if (!log.ok()) return "";
  std::size_t next = 0;
  for (std::size_t i = 0; i < log->events.size(); ++i) {
    const attestation::TpmEvent& event = log->events[i];
    if (event.pcr != static_cast<std::uint32_t>(pcr) || event.type == attestation::kEvNoAction) {
      continue;
    }
    while (next < predicted.size() && predicted[next].pcr != pcr) ++next;
    const std::string actual = event.sha256 ? HexEncode(*event.sha256) : "";
    if (next == predicted.size()) {
      return "; PCR" + std::to_string(pcr) + " event #" + std::to_string(i) + " " +
             attestation::TpmEventTypeName(event.type) + " is one the image does not predict";
    }
    if (actual != predicted[next].digest) {
      return "; PCR" + std::to_string(pcr) + " event #" + std::to_string(i) + " " +
             attestation::TpmEventTypeName(event.type) + " is " + actual + ", the image predicts " +
             predicted[next].digest + " (" + predicted[next].what + ")";
    }
    ++next;
  }
  return "";
}

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
  for (const std::string* file : {&args.tpm_pcrs, &args.tpm_platform}) {
    if (file->empty()) continue;
    VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(*file, 64 * 1024));
    Result<std::map<int, Bytes>> pcrs = attestation::ParseTpmPcrsFile(AsText(text));
    if (!pcrs.ok()) return pcrs.error().WithContext(*file);
    for (auto& [index, value] : *pcrs) options.expect.pcrs[index] = std::move(value);
  }
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
                   {"tpm", attestation::IsTpmDocument(doc)},
                   {"module_id", doc.module_id},
                   {"timestamp_ms", doc.timestamp_ms},
                   {"pcrs", pcrs},
                   {"public_key", OptionalHexJson(doc.public_key)},
                   {"user_data", OptionalHexJson(doc.user_data)},
                   {"nonce", OptionalHexJson(doc.nonce)}});
    return;
  }
  std::printf("ok: %s attestation document from %s, timestamp %llu ms, %zu PCRs\n",
              attestation::IsMockDocument(doc)  ? "MOCK"
              : attestation::IsTpmDocument(doc) ? "TPM"
                                                : "Nitro",
              doc.module_id.c_str(), static_cast<unsigned long long>(doc.timestamp_ms),
              doc.pcrs.size());
  for (const auto& [index, value] : doc.pcrs) {
    std::printf("  PCR%-2d %s\n", index, HexEncode(value).c_str());
  }
  std::printf("  user_data  %s\n  public_key %s\n  nonce      %s\n",
              doc.user_data ? HexEncode(*doc.user_data).c_str() : "(none)",
              doc.public_key ? HexEncode(*doc.public_key).c_str() : "(none)",
              doc.nonce ? HexEncode(*doc.nonce).c_str() : "(none)");
}

Result<AttestationDocument> Verify(const VerifyAttestationArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, Options(args));
  VIGIL_ASSIGN_OR_RETURN(Bytes document,
                         ReadFile(args.document, attestation::kMaxTpmDocumentBytes));
  const bool tpm = attestation::LooksLikeTpmDocument(document);
  if (!tpm && document.size() > attestation::kMaxDocumentBytes) {
    return Error::BadInput(args.document + " is larger than an attestation document may be");
  }
  if (!tpm && !(args.tpm_pcrs.empty() && args.tpm_platform.empty())) {
    return Error::BadInput("--tpm-pcrs and --tpm-platform are for TPM documents");
  }
  VIGIL_RETURN_IF_ERROR(ActivateTpmKey(args.enclave, document, options));
  Result<AttestationDocument> doc = attestation::VerifyDocument(document, options);
  if (doc.ok() || args.tpm_pcrs.empty()) return doc;
  std::string message = doc.error().message();
  const bool named = message.rfind("pcr", 0) == 0;  // the PCR check, the last one
  if (!named) return doc;
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(args.tpm_pcrs, 64 * 1024));
  const std::vector<PredictedEvent> predicted = PredictedEvents(AsText(text));
  for (int pcr : {4, 9}) {
    const std::string name = "pcr" + std::to_string(pcr) + ": ";
    if (message.rfind(name, 0) == 0 || message.find("; " + name) != std::string::npos) {
      message += DifferingEvent(document, pcr, predicted);
    }
  }
  return Error::Failed(message);
}

Status RunVerifyAttestation(const VerifyAttestationArgs& args) {
  Result<AttestationDocument> doc = Verify(args);
  if (!doc.ok()) {
    // Bad input (exit 2) is not a verdict on the document.
    if (args.json && doc.error().exit_code() != 2) {
      PrintJson(Json{{"valid", false}, {"error", doc.error().message()}});
    }
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
  c->add_option("--tpm-pcrs", args->tpm_pcrs,
                "TPM documents: the image's NAME.tpm-pcrs (PCR4 and PCR9 and their events)");
  c->add_option("--tpm-platform", args->tpm_platform,
                "TPM documents: the platform's reference PCRs 0-3 and 5-7 (OVMF and QEMU's "
                "options; platforms/*.tpm-platform)");
  AddTrustOptions(c, args->trust);
  AddEnclaveAddressOptions(c, args->enclave);
  c->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
