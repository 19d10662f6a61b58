// Deterministic compression of the initramfs: the same input always gives the same bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "image/compression_kind.h"

namespace vigil::image {

// gzip: zlib, level 9, no file name, mtime 0, XFL 2, OS byte 3 (Unix); deflated in
// fixed 128 KiB blocks in parallel (pigz style), identical whatever the thread count.
inline constexpr int kGzipLevel = 9;
// zstd: libzstd, level 19, single-threaded, checksum on, content size in the frame.
inline constexpr int kZstdLevel = 19;

Result<Compression> ParseCompression(std::string_view name);
std::string CompressionName(Compression compression);
// The file name suffix the initramfs gets: ".gz", ".zst" or "".
std::string CompressionSuffix(Compression compression);

Result<Bytes> Compress(ByteView data, Compression compression);

// gzip with an explicit number of threads (Compress uses one per core, at most 8). The
// output is the same for every thread count.
Result<Bytes> CompressGzip(ByteView data, std::size_t threads);

}  // namespace vigil::image
