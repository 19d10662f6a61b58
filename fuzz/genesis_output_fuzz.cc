// libFuzzer target: a Borsh GenesisOutput from arbitrary bytes, as after-genesis and
// verify-genesis read qos_client's genesis_output file. The reader is strict, so whatever
// it accepts must encode back to exactly the bytes read, and survive the JSON form.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "quorum/genesis_json.h"
#include "quorum/genesis_output.h"

namespace quorum = vigil::quorum;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView bytes(data, size);
  auto output = quorum::DecodeGenesisOutputBorsh(bytes);
  if (!output.ok()) return 0;
  auto encoded = quorum::EncodeGenesisOutputBorsh(*output);
  if (!encoded.ok() || vigil::ByteView(*encoded).size() != size ||
      !std::equal(encoded->begin(), encoded->end(), data)) {
    __builtin_trap();
  }
  auto again = quorum::ReadGenesisOutputJsonValue(quorum::GenesisOutputJsonValue(*output), "$");
  if (!again.ok() || !(*again == *output)) __builtin_trap();
  return 0;
}
