// Serves the QuorumOS protocol on a byte stream: frames in (8-byte little-endian length,
// then the message, at most 128 MiB), one answer out for each, in the request's encoding;
// an undecodable request is answered ProtocolMsgDeserialization (or
// LegacyGenesisNotSupported) in JSON. When the quorum key is in place the pivot starts.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"
#include "enclave/processor.h"

namespace vigil::enclave {

// One request's answer, as bytes for the wire (never fails: an answer that cannot be
// encoded in the request's encoding is answered InvalidMsg in JSON).
Bytes Answer(EnclaveProcessor& processor, ByteView request);

// Serves one connected stream until the peer closes it; a partial frame is dropped.
Status ServeStream(int fd, EnclaveProcessor& processor);

// Listens on a Unix socket (created with mode 0600; an existing socket file is replaced)
// and serves one connection at a time, as QuorumOS does, until the process ends.
Status ServeUnixSocket(const std::filesystem::path& path, EnclaveProcessor& processor);

// Listens on vsock `port` (3 in a Nitro enclave, as QuorumOS) of the enclave's own CID and
// serves one connection at a time.
Status ServeVsock(unsigned port, EnclaveProcessor& processor);

// The mock NSM's boot measurements under QEMU, as the host hands them over: the first frame
// on the serial port named `name` (a "<hex> PCRn" file, at most kMaxHandoverBytes), answered
// with the frame "ok". Mock only: it is exactly as trustworthy as the host.
inline constexpr std::uint64_t kMaxHandoverBytes = 64 * 1024;
Result<Bytes> ReceiveHandover(int port);

// Opens the virtio serial port named `name` (under /sys/class/virtio-ports/*/name). It stays
// open for the enclave's life: QEMU forwards what the host sends only to an open port.
Result<UniqueFd> OpenSerialPort(const std::string& name);

// Serves the open port: the host may connect and disconnect; each disconnection drops a
// partial frame.
Status ServeSerialPort(int port, EnclaveProcessor& processor);

}  // namespace vigil::enclave
