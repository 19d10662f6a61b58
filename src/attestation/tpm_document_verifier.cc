#include "attestation/tpm_document_verifier.h"

#include <string>

#include "attestation/tpm2_ek_certificate.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm_document.h"
#include "attestation/tpm_event_log.h"
#include "base/hex.h"

namespace vigil::attestation {
namespace {

Error Check(std::string_view check, const std::string& problem) {
  return Error::Failed(std::string(check) + ": " + problem);
}

Status CheckActivation(const TpmDocument& document, const TpmTrust& trust) {
  VIGIL_ASSIGN_OR_RETURN(Tpm2AttestationKey key, ParseTpm2AttestationKey(document.ak_public));
  if (!trust.activated_ak_name) {
    return Check("activation",
                 "the attestation key is not bound to the EK: run the credential activation "
                 "with the enclave (give its address) before trusting its quotes");
  }
  if (key.name != *trust.activated_ak_name) {
    return Check("activation", "the document's attestation key " + HexEncode(key.name) +
                                   " is not the one activated with this EK (" +
                                   HexEncode(*trust.activated_ak_name) + ")");
  }
  return OkStatus();
}

Status CheckQuote(const TpmDocument& document) {
  AttestationRequest request{
      .user_data = document.user_data, .nonce = document.nonce, .public_key = document.public_key};
  const crypto::Sha256Digest qualifying = TpmQualifyingData(request);
  Tpm2QuoteExpectation expected{.attestation_key = document.ak_public, .nonce = qualifying};
  for (const auto& [index, value] : document.pcrs) expected.pcrs.emplace_back(index, value);
  Result<Tpm2QuoteInfo> quote = VerifyTpm2Quote(document.quote, document.signature, expected);
  if (!quote.ok()) return Check("quote", quote.error().message());
  return OkStatus();
}

// The events the log holds for `pcr`, for a message: "#3 EV_SEPARATOR 00ab..., ...".
std::string EventsOf(const TpmEventLog& log, int pcr) {
  std::string out;
  for (std::size_t i = 0; i < log.events.size(); ++i) {
    const TpmEvent& event = log.events[i];
    if (event.pcr != static_cast<std::uint32_t>(pcr) || event.type == kEvNoAction) continue;
    out += (out.empty() ? "" : "; ") + std::string("event #") + std::to_string(i) + " " +
           TpmEventTypeName(event.type) + " " +
           (event.sha256 ? HexEncode(*event.sha256) : std::string("(no SHA-256 digest)"));
  }
  return out.empty() ? "no events" : out;
}

Status CheckEventLog(const TpmDocument& document, const TpmEventLog& log) {
  const TpmPcrValues replayed = ReplayTpmEventLog(log);
  for (int pcr = 0; pcr <= 9; ++pcr) {
    if (replayed[pcr] != document.pcrs.at(pcr)) {
      return Check("event log", "PCR" + std::to_string(pcr) + " replays to " +
                                    HexEncode(replayed[pcr]) + " but the quote says " +
                                    HexEncode(document.pcrs.at(pcr)) + " (" + EventsOf(log, pcr) +
                                    ")");
    }
  }
  return OkStatus();
}

// Every expected PCR that differs, each named with the log's events for it: a changed
// initramfs moves PCR4 (its size) and PCR9 (its bytes), and both are named.
Status CheckPcrs(const AttestationDocument& doc, const std::map<int, Bytes>& expected,
                 const TpmEventLog& log) {
  std::string problems;
  for (const auto& [index, value] : expected) {
    const auto found = doc.pcrs.find(index);
    const std::string name = "pcr" + std::to_string(index);
    if (found == doc.pcrs.end()) {
      problems += (problems.empty() ? "" : "; ") + name + ": the document does not quote PCR" +
                  std::to_string(index);
    } else if (found->second != value) {
      problems += (problems.empty() ? "" : "; ") + name + ": the document holds " +
                  HexEncode(found->second) + ", expected " + HexEncode(value) + " (" +
                  EventsOf(log, index) + ")";
    }
  }
  if (problems.empty()) return OkStatus();
  return Error::Failed(problems);
}

}  // namespace

Result<AttestationDocument> VerifyTpmDocument(ByteView bytes, const VerifyOptions& options) {
  Result<TpmDocument> decoded = DecodeTpmDocument(bytes);
  if (!decoded.ok()) return Check("syntax", decoded.error().message());
  const TpmDocument& document = *decoded;
  if (!options.tpm) {
    return Check("root", "a TPM document: give the TPM manufacturers' EK roots to verify it");
  }
  Result<Bytes> ek = VerifyEkCertificate(
      document.ek_certificate,
      {.roots_pem = options.tpm->roots_pem, .intermediates_pem = options.tpm->intermediates_pem},
      static_cast<std::time_t>(options.time_seconds));
  if (!ek.ok()) return Check("ek", ek.error().message());
  VIGIL_RETURN_IF_ERROR(CheckActivation(document, *options.tpm));
  VIGIL_RETURN_IF_ERROR(CheckQuote(document));
  Result<TpmEventLog> log = ParseTpmEventLog(document.event_log);
  if (!log.ok()) return Check("event log", log.error().message());
  VIGIL_RETURN_IF_ERROR(CheckEventLog(document, *log));
  AttestationDocument out{.module_id = document.module_id, .digest = "SHA256"};
  for (const auto& [index, value] : document.pcrs)
    out.pcrs[index] = Bytes(value.begin(), value.end());
  out.certificate = document.ek_certificate;
  out.public_key = document.public_key;
  out.user_data = document.user_data;
  out.nonce = document.nonce;
  Expectations fields = options.expect;
  fields.pcrs.clear();
  VIGIL_RETURN_IF_ERROR(CheckExpectations(out, fields));
  VIGIL_RETURN_IF_ERROR(CheckPcrs(out, options.expect.pcrs, *log));
  return out;
}

bool IsTpmDocument(const AttestationDocument& document) { return document.digest == "SHA256"; }

}  // namespace vigil::attestation
