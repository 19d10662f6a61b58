// libFuzzer target: the signed-note parsers on arbitrary text. OpenNote against a fixed key
// must not crash and may only return a newline-terminated prefix of the note; the key-text,
// checkpoint-text and base64 parsers are strict, so whatever they accept must format back to
// exactly the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/base64.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

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

  auto text = vigil::tlog::OpenNote(input, Verifier());
  if (text.ok() &&
      (text->empty() || text->back() != '\n' || input.substr(0, text->size()) != *text)) {
    __builtin_trap();
  }

  auto checkpoint = vigil::tlog::ParseCheckpointText(input);
  if (checkpoint.ok() && vigil::tlog::FormatCheckpointText(*checkpoint) != input) {
    __builtin_trap();
  }

  auto verifier = vigil::tlog::NoteVerifier::Parse(input);
  if (verifier.ok() && verifier->Text() != input) __builtin_trap();

  auto signer = vigil::tlog::NoteSigner::FromText(input);
  if (signer.ok() && vigil::AsText(signer->PrivateKeyText().view()) != input) __builtin_trap();

  auto bytes = vigil::Base64Decode(input);
  if (bytes.ok() && vigil::Base64Encode(*bytes) != input) __builtin_trap();
  return 0;
}
