// The contract between the image builder, vigil-init (PID 1 inside the image) and the QEMU
// runner: the fixed part of every initramfs (its directories and the files the builder
// owns: one table, used both to build the archive and to check a spec's destinations
// against it), the files vigil-init reads and the console lines it prints. Owned here, by
// the image; init includes it. Spec: docs/SPEC-image.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vigil::image {

// Files the builder places in the initramfs for vigil-init to read.
// The target's argv as NUL-terminated strings; argv[0] is the target's absolute path.
inline constexpr char kTargetArgvPath[] = "/etc/vigil/target";
// The argv file is tiny; a bound keeps a broken image from exhausting memory.
inline constexpr std::size_t kMaxTargetArgvBytes = 64 * 1024;
// Images with a [quorum] table: vigil-enclave, and its argv (as the target's), which
// vigil-init runs instead of the target.
inline constexpr char kEnclavePath[] = "/bin/vigil-enclave";
inline constexpr char kEnclaveArgvPath[] = "/etc/vigil/quorum";
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

struct LayoutDirectory {
  std::string_view path;  // archive path, no leading '/'
  std::uint32_t mode;
  bool mount_point;  // vigil-init mounts a filesystem here, hiding what the archive holds
};

inline constexpr LayoutDirectory kLayoutDirectories[] = {
    {"bin", 0755, false}, {"dev", 0755, true}, {"etc", 0755, false}, {"etc/vigil", 0755, false},
    {"proc", 0555, true}, {"run", 0755, true}, {"sys", 0555, true},  {"tmp", 01777, true},
};

// Files the builder writes itself (archive paths); a spec may not use these paths.
inline constexpr std::string_view kLayoutReservedFiles[] = {
    "init", "dev/console", kTargetArgvPath + 1, kDebugMarkerPath + 1, kEnclaveArgvPath + 1};

}  // namespace vigil::image
