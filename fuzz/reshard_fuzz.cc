// libFuzzer target: arbitrary bytes as a reshard output (Borsh, as get-reshard-output and
// after-reshard read it) and as a reshard manifest and envelope (JSON, as every reshard
// command and the enclave read them). The readers are strict: an accepted output encodes
// back to exactly the bytes read, and an accepted manifest or envelope reads back from its
// canonical form as the same value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "quorum/reshard.h"
#include "quorum/reshard_json.h"

namespace quorum = vigil::quorum;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  if (auto output = quorum::DecodeReshardOutputBorsh(bytes); output.ok()) {
    auto encoded = quorum::EncodeReshardOutputBorsh(*output);
    if (!encoded.ok() || encoded->size() != size ||
        !std::equal(encoded->begin(), encoded->end(), data)) {
      __builtin_trap();
    }
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto manifest = quorum::ParseReshardManifestJson(text); manifest.ok()) {
    auto canonical = quorum::ReshardManifestJson(*manifest);
    if (!canonical.ok()) __builtin_trap();
    auto again = quorum::ParseReshardManifestJson(*canonical);
    if (!again.ok() || !(*again == *manifest)) __builtin_trap();
  }
  if (auto envelope = quorum::ParseReshardEnvelopeJson(text); envelope.ok()) {
    auto canonical = quorum::ReshardEnvelopeJson(*envelope);
    if (!canonical.ok()) __builtin_trap();
    auto again = quorum::ParseReshardEnvelopeJson(*canonical);
    if (!again.ok() || !(*again == *envelope)) __builtin_trap();
  }
  return 0;
}
