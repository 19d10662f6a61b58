// A software TPM 2.0 for one `vigil image run --tpm` boot: swtpm with a fresh state whose
// endorsement key certificate is issued by a local test CA (swtpm_setup and swtpm_localca
// with a private configuration: nothing under /etc or /var/lib is read or written), served
// to QEMU over a control socket, and stopped when this object goes. The CA directory can
// outlive the boot, so that verifiers pin its root (swtpm-localca-rootca-cert.pem) as the
// TPM manufacturer's. Spec: docs/SPEC-tpm.md.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace vigil::image {

struct SwtpmOptions {
  std::filesystem::path work_dir;  // the TPM's state, socket, configuration and logs
  std::filesystem::path ca_dir;    // the test CA (created on first use)
  // Serve the raw command stream on command_socket() (started, for host-side clients and
  // tests) instead of QEMU's control channel.
  bool serve_commands = false;
};

class Swtpm {
 public:
  // MissingEnv when swtpm or swtpm_setup is not installed; Failed (with swtpm_setup's log)
  // when the TPM cannot be manufactured or does not start.
  static Result<std::unique_ptr<Swtpm>> Start(const SwtpmOptions& options);
  ~Swtpm();
  Swtpm(const Swtpm&) = delete;
  Swtpm& operator=(const Swtpm&) = delete;

  // QEMU's arguments for a TPM TIS device backed by this swtpm.
  std::vector<std::string> QemuArgs() const;
  std::filesystem::path root_certificate() const;
  std::filesystem::path command_socket() const { return options_.work_dir / "swtpm-cmd.sock"; }
  const std::filesystem::path& work_dir() const { return options_.work_dir; }

 private:
  explicit Swtpm(SwtpmOptions options) : options_(std::move(options)) {}
  std::filesystem::path socket_path() const { return options_.work_dir / "swtpm.sock"; }

  SwtpmOptions options_;
  pid_t pid_ = -1;
};

}  // namespace vigil::image
