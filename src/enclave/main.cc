// vigil-enclave: the QuorumOS protocol inside an image (docs/SPEC-enclave.md). vigil-init
// starts it when the image spec has a [quorum] table; tests run it as a process on a Unix
// socket.
//
//   vigil-enclave (--usock PATH | --serial-port NAME | --vsock-port N)
//                 (--nsm | --mock-nsm [--boot-pcrs FILE | --boot-pcrs-from-host]
//                  | --tpm [--tpm-socket PATH --tpm-event-log FILE])
//                 [--state-dir DIR] [--image-pivot PATH]
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "attestation/mock_nsm.h"
#include "attestation/nsm_device.h"
#include "attestation/pcrs_file.h"
#include "attestation/tpm_provider.h"
#include "base/file.h"
#include "base/strict_number.h"
#include "enclave/processor.h"
#include "enclave/server.h"

namespace {

using namespace vigil;  // NOLINT: a binary's entry point

struct Options {
  std::string usock, serial_port, vsock_port, boot_pcrs, image_pivot, state_dir = "/";
  std::string tpm_socket, tpm_event_log;
  bool tpm = false;
  bool mock_nsm = false;
  bool nsm = false;
  bool pcrs_from_host = false;
};

constexpr char kUsage[] =
    "usage: vigil-enclave (--usock PATH | --serial-port NAME | --vsock-port N)\n"
    "                     (--nsm | --mock-nsm [--boot-pcrs FILE | --boot-pcrs-from-host]\n"
    "                      | --tpm [--tpm-socket PATH --tpm-event-log FILE])\n"
    "                     [--state-dir DIR] [--image-pivot PATH]\n";

Result<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--mock-nsm" || flag == "--nsm" || flag == "--boot-pcrs-from-host" ||
        flag == "--tpm") {
      (flag == "--mock-nsm" ? options.mock_nsm
       : flag == "--nsm"    ? options.nsm
       : flag == "--tpm"    ? options.tpm
                            : options.pcrs_from_host) = true;
      continue;
    }
    if (i + 1 >= argc) return Error::BadInput(std::string(flag) + " needs a value\n" + kUsage);
    std::string* target = flag == "--usock"           ? &options.usock
                          : flag == "--serial-port"   ? &options.serial_port
                          : flag == "--vsock-port"    ? &options.vsock_port
                          : flag == "--boot-pcrs"     ? &options.boot_pcrs
                          : flag == "--image-pivot"   ? &options.image_pivot
                          : flag == "--state-dir"     ? &options.state_dir
                          : flag == "--tpm-socket"    ? &options.tpm_socket
                          : flag == "--tpm-event-log" ? &options.tpm_event_log
                                                      : nullptr;
    if (target == nullptr)
      return Error::BadInput("unknown option " + std::string(flag) + "\n" + kUsage);
    *target = argv[++i];
  }
  if (!options.usock.empty() + !options.serial_port.empty() + !options.vsock_port.empty() != 1) {
    return Error::BadInput(
        std::string("give exactly one of --usock, --serial-port and --vsock-port\n") + kUsage);
  }
  if (options.nsm && (options.mock_nsm || !options.boot_pcrs.empty() || options.pcrs_from_host)) {
    return Error::BadInput("--nsm takes no mock options");
  }
  if (options.pcrs_from_host && (options.serial_port.empty() || !options.boot_pcrs.empty())) {
    return Error::BadInput("--boot-pcrs-from-host needs --serial-port and no --boot-pcrs");
  }
  if (options.mock_nsm + options.nsm + options.tpm != 1) {
    return Error::BadInput(std::string("choose one attestation provider: --nsm (a Nitro "
                                       "enclave's /dev/nsm), --tpm (a TPM 2.0: /dev/tpmrm0) or "
                                       "--mock-nsm (QEMU, tests)\n") +
                           kUsage);
  }
  if (options.tpm && (!options.boot_pcrs.empty() || options.pcrs_from_host)) {
    return Error::BadInput("--tpm takes no mock options");
  }
  if (options.tpm_socket.empty() != options.tpm_event_log.empty() ||
      (!options.tpm && !options.tpm_socket.empty())) {
    return Error::BadInput("--tpm-socket and --tpm-event-log go together, with --tpm (tests)");
  }
  return options;
}

Result<std::unique_ptr<attestation::AttestationProvider>> MockProvider(const Options& options,
                                                                       int port) {
  std::map<int, Bytes> boot;
  Bytes text;
  if (!options.boot_pcrs.empty()) {
    VIGIL_ASSIGN_OR_RETURN(text, ReadFile(options.boot_pcrs, 64 * 1024));
  } else if (options.pcrs_from_host) {
    std::fprintf(stderr, "vigil-enclave: waiting for the host to hand over the boot PCRs\n");
    VIGIL_ASSIGN_OR_RETURN(text, enclave::ReceiveHandover(port));
  }
  if (!text.empty()) {
    VIGIL_ASSIGN_OR_RETURN(boot, attestation::ParsePcrsFile(AsText(text)));
  }
  VIGIL_ASSIGN_OR_RETURN(auto nsm, attestation::MockNsm::Create(boot));
  std::fprintf(stderr,
               "vigil-enclave: attestation by the MOCK NSM: its documents prove nothing (PCR0-2 "
               "are what the host said they are)\n");
  return std::unique_ptr<attestation::AttestationProvider>(std::move(nsm));
}

Result<std::unique_ptr<attestation::AttestationProvider>> TpmProvider(const Options& options) {
  const bool device = options.tpm_socket.empty();
  VIGIL_ASSIGN_OR_RETURN(
      attestation::Tpm2Client client,
      device ? attestation::Tpm2Client::OpenDevice(std::string(attestation::kTpmDevice))
             : attestation::Tpm2Client::ConnectUnix(options.tpm_socket));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<attestation::TpmProvider> tpm,
                         attestation::TpmProvider::Open(
                             std::move(client), device ? std::string(attestation::kTpmEventLog)
                                                       : options.tpm_event_log));
  std::fprintf(stderr, "vigil-enclave: attestation by the TPM (%s)\n",
               device ? std::string(attestation::kTpmDevice).c_str() : options.tpm_socket.c_str());
  return std::unique_ptr<attestation::AttestationProvider>(std::move(tpm));
}

Status Run(int argc, char** argv) {
  VIGIL_ASSIGN_OR_RETURN(Options options, ParseOptions(argc, argv));
  UniqueFd port(-1);
  if (!options.serial_port.empty()) {
    VIGIL_ASSIGN_OR_RETURN(port, enclave::OpenSerialPort(options.serial_port));
  }
  std::unique_ptr<attestation::AttestationProvider> provider;
  if (options.nsm) {
    VIGIL_ASSIGN_OR_RETURN(attestation::NsmTransport device, attestation::OpenNsmDevice());
    provider = std::make_unique<attestation::NsmDevice>(std::move(device));
  } else if (options.tpm) {
    VIGIL_ASSIGN_OR_RETURN(provider, TpmProvider(options));
  } else {
    VIGIL_ASSIGN_OR_RETURN(provider, MockProvider(options, port.get()));
  }
  enclave::EnclaveConfig config{
      .state_dir = options.state_dir, .version = VIGIL_VERSION, .commit = "unknown"};
  if (!options.image_pivot.empty()) config.image_pivot = options.image_pivot;
  enclave::EnclaveProcessor processor(std::move(config), std::move(provider));
  if (!options.usock.empty()) return enclave::ServeUnixSocket(options.usock, processor);
  if (!options.vsock_port.empty()) {
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t vsock,
                           ParseUnsigned(options.vsock_port, "--vsock-port", 1, 0xffffffffu - 1));
    return enclave::ServeVsock(static_cast<unsigned>(vsock), processor);
  }
  return enclave::ServeSerialPort(port.get(), processor);
}

}  // namespace

int main(int argc, char** argv) {
  Status status = Run(argc, argv);
  if (status.ok()) return 0;
  std::fprintf(stderr, "vigil-enclave: %s\n", status.error().message().c_str());
  return status.error().exit_code();
}
