// libFuzzer target: the provenance parsers of untrusted input on arbitrary text: sign
// requests, DSSE envelopes and the in-toto statements inside them. Whatever is accepted
// must be within bounds and serialize back to something that parses to the same values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "provenance/dsse.h"
#include "provenance/provenance.h"
#include "provenance/sign_request.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto request = vigil::provenance::ParseSignRequest(input); request.ok()) {
    if (request->digests.empty() ||
        request->digests.size() > vigil::provenance::kMaxRequestedDigests ||
        request->receipt.empty()) {
      __builtin_trap();
    }
    auto again =
        vigil::provenance::ParseSignRequest(vigil::provenance::FormatSignRequest(*request));
    if (!again.ok() || again->digests != request->digests || again->receipt != request->receipt) {
      __builtin_trap();
    }
  }
  if (auto envelope = vigil::provenance::ParseEnvelope(input); envelope.ok()) {
    if (envelope->signatures.empty() ||
        envelope->signatures.size() > vigil::provenance::kMaxEnvelopeSignatures) {
      __builtin_trap();
    }
    auto again = vigil::provenance::ParseEnvelope(vigil::provenance::SerializeEnvelope(*envelope));
    if (!again.ok() || again->payload != envelope->payload ||
        again->payload_type != envelope->payload_type) {
      __builtin_trap();
    }
    (void)vigil::provenance::ParseStatement(envelope->payload);
  }
  (void)vigil::provenance::ParseStatement(
      vigil::ByteView(reinterpret_cast<const std::uint8_t*>(data), size));
  return 0;
}
