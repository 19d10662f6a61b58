// Boots a generic image output directory in QEMU with its serial console on stdout.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string_view>

#include "base/result.h"

namespace vigil::image {

struct QemuOptions {
  std::chrono::seconds timeout{120};
  int memory_mib = 256;
  // Connect our standard input to the serial console (debug images drop to a shell).
  bool interactive = false;
  // Receives console output as it arrives; defaults to writing it to stdout.
  std::function<void(std::string_view)> on_console;
};

struct QemuResult {
  int target_exit_status = 0;  // from vigil-init's exit line
  bool used_kvm = false;
};

// Boots DIR/kernel + DIR/initramfs with DIR/cmdline (KVM when /dev/kvm is usable,
// otherwise TCG). Returns the target's exit status as printed by vigil-init. Errors:
// kMissingEnv when qemu-system-x86_64 is missing, kBadInput when DIR lacks the generic
// output, kFailed when the boot times out or ends without vigil-init's exit line.
Result<QemuResult> RunInQemu(const std::filesystem::path& dir, const QemuOptions& options);

}  // namespace vigil::image
