// The initramfs compression choices and their names (kept apart from compress.h so the
// spec does not depend on the compressors).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::image {

enum class Compression { kGzip, kZstd, kNone };

// "gzip", "zstd" or "none", as written in a spec.
Result<Compression> ParseCompression(std::string_view name);
std::string CompressionName(Compression compression);
// The file name suffix the initramfs gets: ".gz", ".zst" or "".
std::string CompressionSuffix(Compression compression);

}  // namespace vigil::image
