// Fuzzes the splitting of a git note into armoured signature blocks: never crashes, every
// block is exactly BEGIN ... END plus a newline and comes from the input, and the limit holds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "release/signature_blocks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::size_t kLimit = 16;
  auto blocks = vigil::release::SplitSignatureBlocks(text, kLimit);
  if (!blocks.ok()) return 0;
  if (blocks->size() > kLimit) std::abort();
  for (const auto& block : *blocks) {
    if (block.text.empty() == block.malformed.empty()) std::abort();
    if (block.text.empty()) continue;
    std::string_view body(block.text);
    if (!body.starts_with("-----BEGIN PGP SIGNATURE-----") ||
        !body.ends_with("-----END PGP SIGNATURE-----\n") ||
        text.find(body.substr(0, body.size() - 1)) == std::string_view::npos) {
      std::abort();
    }
  }
  return 0;
}
