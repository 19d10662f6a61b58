// The host's end of the enclave's channel when it is a Unix socket (vigil-enclave --usock,
// QuorumOS's qos_core --usock, or QEMU's chardev behind a virtio serial port): one framed
// request, one framed answer, on a connection of its own.
#pragma once

#include <chrono>
#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::quorum {

struct ChannelLimits {
  std::uint64_t max_answer_bytes = 16u << 20;
  // QuorumOS's host waits 20 s for the enclave.
  std::chrono::milliseconds timeout{20'000};
};

// Sends `message` framed and returns the answer's bytes. MissingEnv when nothing listens at
// `socket_path`; Failed when the enclave closes, times out or sends too much.
Result<Bytes> ExchangeFrames(const std::string& socket_path, ByteView message,
                             const ChannelLimits& limits = {});

}  // namespace vigil::quorum
