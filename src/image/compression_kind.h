// The initramfs compression choices (kept apart from compress.h so the spec does not
// depend on the compressors).
#pragma once

namespace vigil::image {

enum class Compression { kGzip, kZstd, kNone };

}  // namespace vigil::image
