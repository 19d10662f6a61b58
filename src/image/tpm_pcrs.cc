#include "image/tpm_pcrs.h"

#include <algorithm>
#include <cstdint>

#include "base/hex.h"
#include "image/authenticode.h"

namespace vigil::image {
namespace {

constexpr std::uint32_t kHeaderMagic = 0x53726448;  // "HdrS" at 0x202
// QEMU's fixed addresses for a protocol 2.02+ kernel: the real-mode code at 0x10000, the
// command line at 0x20000.
constexpr std::uint32_t kRealModeAddress = 0x10000;
constexpr std::uint32_t kCmdlineAddress = 0x20000;
// q35: RAM from 2.75 GiB up is mapped above 4 GiB (below 2 GiB then stays); the ACPI
// tables and their copies sit at the top of low memory, below the initrd.
constexpr std::uint64_t kQ35LowMemory = 0xB0000000;
constexpr std::uint64_t kQ35LowMemoryLarge = 0x80000000;
constexpr std::uint64_t kAcpiDataSize = 0x20000 + 0x8000;

std::uint32_t Le(ByteView data, std::size_t at, std::size_t size) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{data[at + i]} << (8 * i);
  return value;
}

void PutLe(Bytes& data, std::size_t at, std::uint32_t value, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) data[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

crypto::Sha256Digest Extend(const crypto::Sha256Digest& pcr, const crypto::Sha256Digest& digest) {
  Bytes joined(pcr.begin(), pcr.end());
  joined.insert(joined.end(), digest.begin(), digest.end());
  return crypto::Sha256(joined);
}

// OVMF's LoadOptions: each byte of the command line (and of " initrd=initrd" when there is
// an initrd) widened to a CHAR16, then a CHAR16 NUL.
Bytes LoadOptions(std::string_view cmdline, bool initrd) {
  std::string text(cmdline);
  if (initrd) text += " initrd=initrd";
  Bytes options;
  options.reserve(2 * text.size() + 2);
  for (char c : text) {
    options.push_back(static_cast<std::uint8_t>(c));
    options.push_back(0);
  }
  options.insert(options.end(), {0, 0});
  return options;
}

}  // namespace

Result<Bytes> QemuPatchedKernel(ByteView kernel, std::string_view cmdline, std::size_t initrd_size,
                                int memory_mib) {
  if (kernel.size() < 0x240 || Le(kernel, 0x202, 4) != kHeaderMagic) {
    return Error::BadInput("the kernel is not a bzImage (no HdrS setup header)");
  }
  const std::uint32_t protocol = Le(kernel, 0x206, 2);
  if (protocol < 0x202) return Error::BadInput("the kernel's boot protocol is older than 2.02");
  if (cmdline.find("vga=") != std::string_view::npos) {
    return Error::BadInput(
        "the tpm output's command line may not set vga=: QEMU then rewrites the kernel's video "
        "mode field, which PCR4 covers and the prediction does not model");
  }
  const std::uint64_t memory = std::uint64_t(memory_mib) << 20;
  const std::uint64_t low = memory >= kQ35LowMemory ? kQ35LowMemoryLarge : kQ35LowMemory;
  const std::uint64_t below_4g = std::min(memory, low);
  std::uint64_t initrd_max = 0x37ffffff;
  const bool above_4g = protocol >= 0x20c && (Le(kernel, 0x236, 2) & 0x2) != 0;
  if (above_4g) {
    initrd_max = 0xffffffff;
  } else if (protocol >= 0x203) {
    initrd_max = Le(kernel, 0x22c, 4);
  }
  if (below_4g < kAcpiDataSize + initrd_size + 4096) {
    return Error::BadInput("the initrd does not fit below 4 GiB in " + std::to_string(memory_mib) +
                           " MiB of guest memory");
  }
  initrd_max = std::min(initrd_max, below_4g - kAcpiDataSize - 1);
  Bytes patched(kernel.begin(), kernel.end());
  PutLe(patched, 0x228, kCmdlineAddress, 4);                             // cmd_line_ptr
  patched[0x210] = 0xb0;                                                 // type_of_loader: QEMU
  patched[0x211] |= 0x80;                                                // loadflags: CAN_USE_HEAP
  PutLe(patched, 0x224, kCmdlineAddress - kRealModeAddress - 0x200, 2);  // heap_end_ptr
  if (initrd_size > 0) {
    PutLe(patched, 0x218, static_cast<std::uint32_t>((initrd_max - initrd_size) & ~0xfffull), 4);
    PutLe(patched, 0x21c, static_cast<std::uint32_t>(initrd_size), 4);
  }
  return patched;
}

Result<TpmPrediction> PredictTpmPcrs(const TpmBootInputs& inputs) {
  VIGIL_ASSIGN_OR_RETURN(Bytes patched, QemuPatchedKernel(inputs.kernel, inputs.cmdline,
                                                          inputs.initrd.size(), inputs.memory_mib));
  Result<crypto::Sha256Digest> kernel = AuthenticodeSha256(patched);
  if (!kernel.ok()) {
    return Error::BadInput("the kernel is not an EFI application (build it with EFI_STUB): " +
                           kernel.error().message());
  }
  TpmPrediction prediction;
  auto add = [&prediction](int pcr, std::string what, const crypto::Sha256Digest& digest) {
    prediction.events.push_back({pcr, std::move(what), digest});
    auto& value = pcr == 4 ? prediction.pcr4 : prediction.pcr9;
    value = Extend(value, digest);
  };
  add(4, "EV_EFI_BOOT_SERVICES_APPLICATION: the kernel (Authenticode, as QEMU patched it)",
      *kernel);
  add(4, "EV_EFI_ACTION: Calling EFI Application from Boot Option",
      crypto::Sha256(AsBytes("Calling EFI Application from Boot Option")));
  add(4, "EV_SEPARATOR", crypto::Sha256(Bytes(4, 0)));
  const bool initrd = !inputs.initrd.empty();
  // No command line and no initrd: OVMF passes no load options, and the stub logs none.
  if (!inputs.cmdline.empty() || initrd) {
    add(9, "EV_EVENT_TAG LOADED_IMAGE::LoadOptions: the command line in UTF-16",
        crypto::Sha256(LoadOptions(inputs.cmdline, initrd)));
  }
  if (initrd) add(9, "EV_EVENT_TAG Linux initrd", crypto::Sha256(inputs.initrd));
  return prediction;
}

std::string FormatTpmPcrs(const TpmPrediction& prediction, int memory_mib) {
  std::string text =
      "# SHA-256 PCRs after OVMF's direct kernel boot of this image by QEMU (q35, -m " +
      std::to_string(memory_mib) + "); docs/SPEC-tpm.md\n";
  for (const PredictedTpmEvent& event : prediction.events) {
    text += "# PCR" + std::to_string(event.pcr) + " += " + HexEncode(event.digest) + " " +
            event.what + "\n";
  }
  return text + HexEncode(prediction.pcr4) + " PCR4\n" + HexEncode(prediction.pcr9) + " PCR9\n";
}

}  // namespace vigil::image
