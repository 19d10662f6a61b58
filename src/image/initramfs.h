// The layout of the initramfs: which entries an image holds and where.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/result.h"
#include "image/inputs.h"
#include "image/spec.h"

namespace vigil::image {

// Builds the uncompressed cpio archive: the base directories (dev, proc, sys, tmp, run,
// etc/vigil, bin), /dev/console (char 5:1), /init = vigil-init, the target's argv file,
// the target, the spec's files, and in debug images busybox, /bin/sh and the debug
// marker. Every mtime is spec.source_date_epoch.
Result<Bytes> BuildInitramfs(const ImageSpec& spec, const LoadedInputs& inputs);

}  // namespace vigil::image
