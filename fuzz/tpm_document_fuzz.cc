// libFuzzer target: Vigil's TPM attestation documents from arbitrary bytes. What decodes
// must encode back to the same bytes (one encoding per document), and verifying it must
// fail cleanly without trust.
#include <cstddef>
#include <cstdint>

#include "attestation/document_verifier.h"
#include "attestation/tpm_document.h"

namespace attestation = vigil::attestation;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  auto document = attestation::DecodeTpmDocument(bytes);
  if (document.ok()) {
    if (attestation::EncodeTpmDocument(*document) != vigil::Bytes(bytes.begin(), bytes.end())) {
      __builtin_trap();
    }
    if (document->pcrs.size() != attestation::TpmQuotedPcrs().size()) __builtin_trap();
  }
  attestation::VerifyOptions options;
  options.tpm = attestation::TpmTrust{};
  if (attestation::VerifyDocument(bytes, options).ok()) __builtin_trap();
  return 0;
}
