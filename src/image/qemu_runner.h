// Boots a generic image output directory in QEMU with its serial console on stdout.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string_view>

#include "base/result.h"
#include "image/accelerator.h"

namespace vigil::image {

// QEMU's default PC (i440fx, ISA serial, ACPI), or microvm: no PCI, virtio-mmio, ACPI and
// a 16550 serial port, the machine closest to a Nitro enclave that QEMU has. A boot with a
// TPM (QemuOptions::tpm) is always q35.
enum class Machine { kPc, kMicrovm };

struct QemuOptions {
  Machine machine = Machine::kPc;
  // For the boot that runs the target; a KVM attempt that failed does not use it up.
  std::chrono::seconds timeout{120};
  Accelerator accelerator = Accelerator::kAuto;
  // A KVM boot silent on the console this long is stopped as failed. Never for TCG.
  std::chrono::seconds kvm_silence_limit = kDefaultKvmSilenceLimit;
  // In MiB; 0: the image's recorded memory_mib (image/spec.h), else kDefaultMemoryMib.
  int memory_mib = 0;
  // Connect our standard input to the serial console (debug images drop to a shell).
  bool interactive = false;
  // Receives console output as it arrives; defaults to writing it to stdout.
  std::function<void(std::string_view)> on_console;
  // Receives one-line notices (KVM failed, booting again with TCG); defaults to stderr.
  std::function<void(std::string_view)> on_notice;
  // A quorum image's channel and relay (quorum_host.h), stepped while QEMU runs.
  class QuorumHost* quorum_host = nullptr;
  // Boot through UEFI firmware (OVMF's direct kernel boot, q35, a private copy of its
  // variables), with this TPM (swtpm.h) when set: as a vTPM VM does. The kernel must be an
  // EFI application (the tpm output's).
  bool uefi = false;
  const class Swtpm* tpm = nullptr;
  // Set (by a signal handler) to stop QEMU; the run then ends with `stopped`.
  const std::atomic<bool>* stop = nullptr;
};

struct QemuResult {
  int target_exit_status = 0;                   // from vigil-init's exit line
  Accelerator accelerator = Accelerator::kTcg;  // what the target ran under: kKvm or kTcg
  std::string tcg_reason;                       // why TCG ran, when it did
  bool fell_back = false;                       // KVM was tried, failed, and TCG ran instead
  // With Accelerator::kKvm only: why KVM could not run the guest. The target did not
  // run; target_exit_status means nothing.
  std::string kvm_unusable;
  // QemuOptions::stop was set: QEMU was stopped on request; target_exit_status means nothing.
  bool stopped = false;
  // From QEMU's start to its exit, for the boot that ran the target.
  double boot_seconds = 0;
};

// Boots DIR/kernel + DIR/initramfs with DIR/cmdline. kAuto tries KVM when /dev/kvm opens
// and, when KVM fails (QEMU reports a KVM error, exits before the guest printed anything,
// or the guest stays silent for kvm_silence_limit), stops that QEMU and boots again with
// TCG. Returns the target's exit status as printed by vigil-init. Errors: kMissingEnv
// when qemu-system-x86_64 is missing, kBadInput when DIR lacks the generic output,
// kFailed when the boot times out or ends without vigil-init's exit line.
Result<QemuResult> RunInQemu(const std::filesystem::path& dir, const QemuOptions& options);

}  // namespace vigil::image
