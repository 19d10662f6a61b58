#include "kernel/target.h"

namespace vigil::kernel {

Result<Target> ParseTarget(std::string_view name) {
  if (name == "generic") return Target::kGeneric;
  if (name == "aws") return Target::kAws;
  if (name == "tpm") return Target::kTpm;
  return Error::BadInput("unknown target '" + std::string(name) + "' (use generic, aws or tpm)");
}

std::string TargetName(Target target) {
  switch (target) {
    case Target::kAws:
      return "aws";
    case Target::kTpm:
      return "tpm";
    case Target::kGeneric:
      break;
  }
  return "generic";
}

KconfigValues TargetRequirements(Target target) {
  // Every target: 64-bit, nothing loadable, no TCP/IP, the console and the initramfs.
  KconfigValues required = {
      {"CONFIG_64BIT", "y"},
      {"CONFIG_MODULES", "n"},
      {"CONFIG_INET", "n"},
      {"CONFIG_IPV6", "n"},
      {"CONFIG_SERIAL_8250_CONSOLE", "y"},
      {"CONFIG_BLK_DEV_INITRD", "y"},
      {"CONFIG_BINFMT_ELF", "y"},
      {"CONFIG_DEVTMPFS", "y"},
      {"CONFIG_DEBUG_INFO_NONE", "y"},
  };
  if (target == Target::kGeneric) {
    // QEMU: virtio over PCI (q35) or MMIO (microvm); the raw virtserialport host channel.
    required.insert({{"CONFIG_VIRTIO_PCI", "y"},
                     {"CONFIG_VIRTIO_MMIO", "y"},
                     {"CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES", "y"},
                     {"CONFIG_VIRTIO_CONSOLE", "y"},
                     {"CONFIG_HW_RANDOM_VIRTIO", "y"}});
  } else if (target == Target::kTpm) {
    // A vTPM VM booted by UEFI firmware: the EFI stub (which measures the initrd and the
    // command line), the TPM on TIS or CRB, its event log, virtio over PCI (q35).
    required.insert({{"CONFIG_EFI", "y"},
                     {"CONFIG_EFI_STUB", "y"},
                     {"CONFIG_ACPI", "y"},
                     {"CONFIG_TCG_TPM", "y"},
                     {"CONFIG_TCG_TIS", "y"},
                     {"CONFIG_TCG_CRB", "y"},
                     {"CONFIG_SECURITYFS", "y"},
                     {"CONFIG_TCG_TPM2_HMAC", "n"},
                     {"CONFIG_VIRTIO_PCI", "y"},
                     {"CONFIG_VIRTIO_CONSOLE", "y"}});
  } else {
    // Nitro: virtio-mmio found through ACPI, vsock to the parent, the NSM.
    required.insert({{"CONFIG_ACPI", "y"},
                     {"CONFIG_VIRTIO_MMIO", "y"},
                     {"CONFIG_VSOCKETS", "y"},
                     {"CONFIG_VIRTIO_VSOCKETS", "y"},
                     {"CONFIG_NSM", "y"},
                     {"CONFIG_VIRTIO_CONSOLE", "y"}});
  }
  return required;
}

std::string RecommendedCmdline(Target target) {
  // KSPP's boot parameters that the config cannot set, then the console.
  const std::string hardening =
      "init_on_alloc=1 init_on_free=1 page_alloc.shuffle=1 "
      "slab_nomerge pti=on vsyscall=none";
  if (target == Target::kAws) {
    return "reboot=k panic=30 pci=off nomodules console=ttyS0 random.trust_cpu=on " + hardening;
  }
  return "console=ttyS0 panic=-1 " + hardening;
}

}  // namespace vigil::kernel
