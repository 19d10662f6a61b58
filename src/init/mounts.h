// The kernel filesystems vigil-init mounts before it starts the target.
#pragma once

#include "base/result.h"

namespace vigil::init {

// Mounts /proc, /sys, /dev (devtmpfs), /tmp and /run (tmpfs), creating the mount points
// when the initramfs lacks them.
Status MountEarlyFilesystems();

}  // namespace vigil::init
