// libFuzzer target: the tlog-proof receipt parser on arbitrary text. It is strict, so every
// accepted receipt is within bounds and formats back to exactly the input; verifying it
// against a fixed key must fail cleanly, never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tlog/receipt.h"

namespace {

// The example key of /work/shared/vectors/README.md (section c2sp).
const vigil::tlog::NoteVerifier& Verifier() {
  static const vigil::tlog::NoteVerifier verifier = [] {
    auto parsed = vigil::tlog::NoteVerifier::Parse(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
    if (!parsed.ok()) __builtin_trap();
    return *parsed;
  }();
  return verifier;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto receipt = vigil::tlog::ParseReceipt(input);
  if (!receipt.ok()) return 0;
  if (receipt->proof.size() > vigil::tlog::kMaxReceiptProofHashes || receipt->checkpoint.empty() ||
      receipt->checkpoint.back() != '\n') {
    __builtin_trap();
  }
  if (vigil::tlog::FormatReceipt(*receipt) != input) __builtin_trap();
  auto verified = vigil::tlog::VerifyReceipt(*receipt, Verifier(), "example.com/foo");
  if (!verified.ok() && verified.error().message().empty()) __builtin_trap();
  return 0;
}
