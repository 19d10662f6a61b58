// The PCRs a vTPM holds for PCR4 and PCR9 after UEFI firmware boots an image's kernel, as
// predicted from its artifacts alone, for the boot `vigil image run --tpm` does: QEMU's
// direct kernel boot (q35, -kernel/-initrd/-append) under OVMF. Spec: docs/SPEC-tpm.md.
//
// PCR4: OVMF extends the Authenticode digest of the kernel it starts, then "Calling EFI
// Application from Boot Option" and a separator. The kernel it sees is not the file: QEMU
// first writes the boot protocol's loader fields into the bzImage's setup header (loader
// type, command-line address, heap end, initrd address and size), which the Authenticode
// digest covers, so PCR4 also follows the initrd's size and the guest's memory size.
// PCR9: the Linux EFI stub extends the load options OVMF passes (the command line with
// " initrd=initrd" appended, each byte widened to UTF-16, with its NUL), then the initrd.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::image {

struct TpmBootInputs {
  ByteView kernel;  // the bzImage file
  ByteView initrd;  // the compressed initramfs, as QEMU's -initrd reads it
  std::string_view cmdline;
  int memory_mib = 0;  // QEMU's -m
};

struct PredictedTpmEvent {
  int pcr = 0;
  std::string what;  // "kernel (Authenticode of the bzImage as QEMU patched it)", ...
  crypto::Sha256Digest digest{};
};

struct TpmPrediction {
  std::vector<PredictedTpmEvent> events;  // in the order they are extended
  crypto::Sha256Digest pcr4{};
  crypto::Sha256Digest pcr9{};
};

// BadInput when the kernel is not a bzImage of boot protocol 2.02 or later, is not an EFI
// (PE) image, or the command line sets vga= (QEMU then patches a field not modelled here).
Result<TpmPrediction> PredictTpmPcrs(const TpmBootInputs& inputs);

// "<hex> PCR4\n<hex> PCR9\n", after comment lines naming the boot they hold for.
std::string FormatTpmPcrs(const TpmPrediction& prediction, int memory_mib);

// The bzImage as QEMU 7.2's x86_load_linux() hands it to the firmware: its setup header's
// loader fields written for this command line, initrd size and memory size (q35).
Result<Bytes> QemuPatchedKernel(ByteView kernel, std::string_view cmdline, std::size_t initrd_size,
                                int memory_mib);

}  // namespace vigil::image
