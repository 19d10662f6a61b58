// Deterministic compression of the initramfs: the same input always gives the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "image/compression_kind.h"

namespace vigil::image {

// gzip: zlib, level 9, no file name, mtime 0, OS byte 3 (Unix), XFL as zlib sets it.
inline constexpr int kGzipLevel = 9;
// zstd: libzstd, level 19, single-threaded, checksum on, content size in the frame.
inline constexpr int kZstdLevel = 19;

Result<Compression> ParseCompression(std::string_view name);
std::string CompressionName(Compression compression);
// The file name suffix the initramfs gets: ".gz", ".zst" or "".
std::string CompressionSuffix(Compression compression);

Result<Bytes> Compress(ByteView data, Compression compression);

}  // namespace vigil::image
