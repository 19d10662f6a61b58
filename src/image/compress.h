// Deterministic compression of the initramfs: the same input always gives the same bytes.
#pragma once

#include <atomic>
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
// zstd: libzstd, level 19, single-threaded, checksum on, content size in the frame, fed
// in fixed 1 MiB steps.
inline constexpr int kZstdLevel = 19;

// Compresses `data`. When another thread sets `*cancel`, stops soon with an error.
Result<Bytes> Compress(ByteView data, Compression compression,
                       const std::atomic<bool>* cancel = nullptr);

// Decompresses `data` (one gzip member, one or more zstd frames, or a copy for none),
// refusing output larger than `max_size` and trailing bytes.
Result<Bytes> Decompress(ByteView data, Compression compression, std::size_t max_size);

// gzip with an explicit number of threads (Compress uses one per usable CPU, at most 8).
// The output is the same for every thread count.
Result<Bytes> CompressGzip(ByteView data, std::size_t threads,
                           const std::atomic<bool>* cancel = nullptr);

}  // namespace vigil::image
