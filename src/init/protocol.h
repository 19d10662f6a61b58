// The contract between the image builder, vigil-init (PID 1 inside the image) and the
// QEMU runner. Spec: docs/SPEC-image.md.
#pragma once

#include <cstddef>

namespace vigil::init {

// Files the builder places in the initramfs for vigil-init to read.
// The target's argv as NUL-terminated strings; argv[0] is the target's absolute path.
inline constexpr char kTargetArgvPath[] = "/etc/vigil/target";
// The argv file is tiny; a bound keeps a broken image from exhausting memory.
inline constexpr std::size_t kMaxTargetArgvBytes = 64 * 1024;
// Present only in debug images: after the target ends, start /bin/sh (busybox) on the
// console instead of powering off.
inline constexpr char kDebugMarkerPath[] = "/etc/vigil/debug";
inline constexpr char kBusyboxPath[] = "/bin/busybox";

// The console line vigil-init prints as soon as it runs: the runner's sign that the kernel
// booted (under KVM, a guest silent for too long is taken for a KVM that cannot run it).
inline constexpr char kStartedLine[] = "VIGIL-INIT: started\n";

// The one console line vigil-init prints when the target has ended, followed by the
// status: the exit code, or 128 + the signal number when a signal killed it, e.g.
// "VIGIL-INIT: target-exit-status=0". Parsed by `vigil image run`.
inline constexpr char kExitStatusPrefix[] = "VIGIL-INIT: target-exit-status=";

}  // namespace vigil::init
