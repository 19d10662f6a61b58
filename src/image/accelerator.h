// Which QEMU accelerator boots an image, and how a KVM that cannot run the guest is
// recognised. Spec: docs/SPEC-image.md ("Accelerators").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::image {

enum class Accelerator {
  kAuto,  // KVM when it works, otherwise (or when it fails) TCG
  kKvm,   // KVM or nothing: fail fast rather than emulate
  kTcg,   // software emulation only
};

// "auto", "kvm" or "tcg"; anything else is bad input naming the choices.
Result<Accelerator> ParseAccelerator(std::string_view word);
std::string_view AcceleratorName(Accelerator accelerator);

// The accelerator asked for: `flag` (--accel) when given, else $VIGIL_ACCEL when set and
// not empty, else auto. A bad word is BadInput, naming VIGIL_ACCEL when it came from there.
Result<Accelerator> ChooseAccelerator(std::string_view flag);

// A KVM boot whose guest printed nothing on its console for this long is taken for a KVM
// that cannot run it (vigil-init prints a line as soon as it starts).
inline constexpr std::chrono::seconds kDefaultKvmSilenceLimit{10};

// Why /dev/kvm cannot be used (it cannot be opened read-write), or nothing when it can.
std::optional<std::string> KvmUnavailableReason();

// Reads QEMU's stderr during a KVM boot and recognises its reports of a KVM failure
// ("KVM internal error. Suberror: 1", "emulation failure", "failed to initialize kvm",
// ...). Memory is bounded whatever QEMU prints.
class KvmFailureDetector {
 public:
  // Returns the first line that reports a KVM failure, once it has been seen.
  std::optional<std::string> Feed(std::string_view chunk);
  // The first line QEMU printed (for explaining an early exit), cut to a bounded length.
  std::string first_line() const;

 private:
  std::optional<std::string> CheckLine(const std::string& line);

  std::string line_;        // the line being read
  std::string first_line_;  // the first complete line
};

}  // namespace vigil::image
