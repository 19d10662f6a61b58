// libFuzzer target: the tlog-tiles readers on arbitrary bytes: tile paths (ParseTilePath, what
// the ledger's store and HTTP API accept), entry bundles and hash tiles. ParseTilePath accepts
// only canonical paths, so an accepted one is within its limits and TilePath or
// EntryBundlePath formats it back to exactly the input; a decoded bundle encodes back to the
// input too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "tlog/tile.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto ref = vigil::tlog::ParseTilePath(input);
  if (ref.ok()) {
    if (ref->level < 0 || ref->level > vigil::tlog::kMaxTileLevel || ref->width < 1 ||
        ref->width > vigil::tlog::kFullTileWidth || (ref->entries && ref->level != 0)) {
      __builtin_trap();
    }
    const std::string path = ref->entries
                                 ? vigil::tlog::EntryBundlePath(ref->index, ref->width)
                                 : vigil::tlog::TilePath(ref->level, ref->index, ref->width);
    if (path != input) __builtin_trap();
  }

  // The first byte picks the expected count (1..256); the rest is the bundle or tile.
  if (size == 0) return 0;
  const int count = data[0] + 1;
  const vigil::ByteView body(data + 1, size - 1);
  auto entries = vigil::tlog::DecodeEntryBundle(body, static_cast<std::size_t>(count));
  if (entries.ok()) {
    if (entries->size() != static_cast<std::size_t>(count)) __builtin_trap();
    const vigil::Bytes again = vigil::tlog::EncodeEntryBundle(*entries);
    if (vigil::AsText(again) != vigil::AsText(body)) __builtin_trap();
  }
  auto hashes = vigil::tlog::DecodeHashTile(body, count);
  if (hashes.ok() && (hashes->size() != static_cast<std::size_t>(count) ||
                      body.size() != 32 * static_cast<std::size_t>(count))) {
    __builtin_trap();
  }
  return 0;
}
