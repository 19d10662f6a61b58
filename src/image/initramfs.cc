#include "image/initramfs.h"

#include "image/cpio.h"
#include "image/layout.h"

namespace vigil::image {
namespace {

CpioEntry Directory(std::string path, std::uint32_t permissions = 0755) {
  return {.path = std::move(path), .type = CpioType::kDirectory, .permissions = permissions};
}

CpioEntry File(std::string path, std::uint32_t permissions, ByteView data) {
  return {.path = std::move(path),
          .type = CpioType::kRegular,
          .permissions = permissions,
          .data = data};
}

// The target's argv as NUL-terminated strings (see image/layout.h).
Bytes TargetArgv(const ImageSpec& spec) {
  Bytes out;
  auto put = [&out](const std::string& s) {
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  };
  put(spec.target_destination);
  for (const auto& arg : spec.target_args) put(arg);
  return out;
}

// The enclave's argv: on Nitro, vsock port 3 and the NSM; under QEMU, the virtio serial
// channel and the mock NSM, whose boot PCRs the host hands over, or the TPM. Either way the
// target is the pivot.
Bytes EnclaveArgv(const ImageSpec& spec) {
  Bytes out;
  auto put = [&out](const std::string& s) {
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  };
  std::vector<std::string> argv = {kEnclavePath};
  if (spec.quorum->attestation == "nsm") {
    argv.insert(argv.end(), {"--vsock-port", "3", "--nsm"});
  } else if (spec.quorum->attestation == "tpm") {
    argv.insert(argv.end(), {"--serial-port", spec.quorum->channel, "--tpm"});
  } else {
    argv.insert(argv.end(),
                {"--serial-port", spec.quorum->channel, "--mock-nsm", "--boot-pcrs-from-host"});
  }
  argv.insert(argv.end(), {"--state-dir", "/", "--image-pivot", spec.target_destination});
  for (const std::string& arg : argv) put(arg);
  return out;
}

}  // namespace

Result<Bytes> BuildInitramfs(const ImageSpec& spec, const LoadedInputs& inputs) {
  std::vector<CpioEntry> entries;
  for (const LayoutDirectory& dir : kLayoutDirectories) {
    entries.push_back(Directory(std::string(dir.path), dir.mode));
  }
  entries.push_back({.path = "dev/console",
                     .type = CpioType::kCharDevice,
                     .permissions = 0600,
                     .rdev_major = 5,
                     .rdev_minor = 1});
  entries.push_back(File("init", 0755, inputs.init));
  Bytes argv = TargetArgv(spec);
  entries.push_back(File(kTargetArgvPath + 1, 0444, argv));
  entries.push_back(File(spec.target_destination.substr(1), 0755, inputs.target));
  for (std::size_t i = 0; i < spec.files.size(); ++i) {
    entries.push_back(
        File(spec.files[i].destination.substr(1), spec.files[i].mode, inputs.files[i]));
  }
  Bytes enclave_argv;
  if (spec.quorum && inputs.enclave) {
    enclave_argv = EnclaveArgv(spec);
    entries.push_back(File(kEnclavePath + 1, 0755, *inputs.enclave));
    entries.push_back(File(kEnclaveArgvPath + 1, 0444, enclave_argv));
  }
  if (spec.debug && inputs.busybox) {
    entries.push_back(File(kBusyboxPath + 1, 0755, *inputs.busybox));
    entries.push_back({.path = "bin/sh",
                       .type = CpioType::kSymlink,
                       .permissions = 0777,
                       .data = AsBytes("busybox")});
    entries.push_back(File(kDebugMarkerPath + 1, 0444, {}));
  }
  AddParentDirectories(entries);
  return WriteCpioNewc(std::move(entries), spec.source_date_epoch);
}

}  // namespace vigil::image
