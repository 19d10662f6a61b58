// libFuzzer target: QuorumOS manifests and envelopes from arbitrary bytes, as Borsh and as
// JSON. Whatever is accepted must encode again and read back as the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quorum/manifest_borsh.h"
#include "quorum/manifest_json.h"

namespace quorum = vigil::quorum;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  if (auto envelope = quorum::DecodeEnvelopeBorsh(bytes); envelope.ok()) {
    auto again = quorum::EncodeEnvelopeBorsh(*envelope);
    if (!again.ok() || *again != vigil::Bytes(bytes.begin(), bytes.end())) __builtin_trap();
  }
  if (auto manifest = quorum::DecodeManifestBorsh(bytes); manifest.ok()) {
    auto again = quorum::EncodeManifestBorsh(*manifest);
    if (!again.ok() || *again != vigil::Bytes(bytes.begin(), bytes.end())) __builtin_trap();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto envelope = quorum::ParseEnvelopeJson(text); envelope.ok()) {
    auto json = quorum::EnvelopeJson(*envelope);
    if (!json.ok()) __builtin_trap();
    auto reread = quorum::ParseEnvelopeJson(*json);
    if (!reread.ok() || !(*reread == *envelope)) __builtin_trap();
  }
  return 0;
}
