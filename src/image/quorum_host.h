// `vigil image run DIR --host IP:PORT` for quorum images (docs/SPEC-enclave.md): QEMU gets a
// virtio serial port whose host side is a Unix socket; the runner hands the mock NSM the
// image's PCR0-2 as the first frame on it (mock only: the enclave trusts the host for them;
// a TPM enclave gets no handover), then starts vigil-host relaying HTTP to it, and stops it
// with QEMU.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "quorum/frame.h"

namespace vigil::image {

struct QuorumHostOptions {
  std::filesystem::path host_binary;  // vigil-host
  std::string ip = "127.0.0.1";
  int port = 3000;
  // The "<hex> PCRn" file to hand over to the mock NSM; none for an enclave that measures
  // itself (a TPM).
  std::optional<Bytes> boot_pcrs;
  std::filesystem::path work_dir;  // holds the socket and vigil-host's log
  std::string channel = "vigil-quorum";
  bool microvm = true;
};

class QuorumHost {
 public:
  explicit QuorumHost(QuorumHostOptions options);
  ~QuorumHost();  // stops vigil-host
  QuorumHost(const QuorumHost&) = delete;
  QuorumHost& operator=(const QuorumHost&) = delete;

  // QEMU's arguments for the channel.
  std::vector<std::string> QemuArgs() const;
  // One step, called while QEMU runs: connect, hand over the PCRs, wait for "ok", then start
  // vigil-host. False (stop QEMU) on a failure, named by failure().
  bool Tick();
  const std::string& failure() const { return failure_; }
  std::filesystem::path socket_path() const { return options_.work_dir / "channel.sock"; }

 private:
  enum class State { kConnect, kAwaitAck, kRelaying };
  bool Fail(std::string why);
  bool StartRelay();

  QuorumHostOptions options_;
  State state_ = State::kConnect;
  UniqueFd channel_{-1};
  quorum::FrameReader answer_{64};
  pid_t host_pid_ = -1;
  std::string failure_;
};

}  // namespace vigil::image
