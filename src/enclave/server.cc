#include "enclave/server.h"

#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "base/unique_fd.h"
#include "enclave/pivot_launcher.h"
#include "quorum/frame.h"

namespace vigil::enclave {
namespace {

using quorum::WireEncoding;

Error Sys(const std::string& what) { return Error::Failed(what + ": " + std::strerror(errno)); }

Status WriteAll(int fd, ByteView bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Sys("writing the answer");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

Bytes JsonError(quorum::ProtocolError error) {
  Result<Bytes> bytes =
      quorum::EncodeWire(quorum::ErrorResponse(std::move(error)), WireEncoding::kJson);
  return bytes.ok() ? *bytes : Bytes();
}

void StartPivotIfReady(EnclaveProcessor& processor) {
  std::optional<PivotLaunch> pivot = processor.TakePivot();
  if (!pivot) return;
  Result<pid_t> started = LaunchPivot(*pivot);
  if (started.ok()) {
    std::fprintf(stderr, "vigil-enclave: quorum key in place; started the pivot %s\n",
                 pivot->program.c_str());
  } else {
    std::fprintf(stderr, "vigil-enclave: %s\n", started.error().message().c_str());
  }
}

}  // namespace

Bytes Answer(EnclaveProcessor& processor, ByteView request) {
  quorum::DecodeFailure failure{};
  Result<quorum::DecodedMsg> decoded = quorum::DecodeWire(request, &failure);
  if (!decoded.ok()) {
    std::fprintf(stderr, "vigil-enclave: refused an undecodable message: %s\n",
                 failure.reason.c_str());
    return JsonError(quorum::MakeProtocolError(failure.error_kind));
  }
  const quorum::ProtocolMsg answer = processor.Handle(decoded->msg);
  if (answer.kind == quorum::MessageKind::kProtocolErrorResponse) {
    std::fprintf(stderr, "vigil-enclave: %s refused: %s\n",
                 std::string(quorum::MessageName(decoded->msg.kind)).c_str(),
                 quorum::DescribeProtocolError(answer.error).c_str());
  }
  Result<Bytes> bytes = quorum::EncodeWire(answer, decoded->encoding);
  if (!bytes.ok()) {
    return JsonError(quorum::MakeProtocolError(quorum::ProtocolErrorKind::kInvalidMsg));
  }
  return std::move(*bytes);
}

// Feeds what arrived and answers every complete request. Fails when the framing breaks
// (the oversize request is answered first) or an answer cannot be written.
Status Pump(int fd, quorum::FrameReader& frames, EnclaveProcessor& processor, ByteView data) {
  if (Status fed = frames.Feed(data); !fed.ok()) {
    Result<Bytes> frame = quorum::EncodeFrame(
        JsonError(quorum::MakeProtocolError(quorum::ProtocolErrorKind::kOversizedPayload)));
    if (frame.ok()) (void)WriteAll(fd, *frame);
    return fed;
  }
  while (std::optional<Bytes> request = frames.Next()) {
    VIGIL_ASSIGN_OR_RETURN(Bytes frame, quorum::EncodeFrame(Answer(processor, *request)));
    VIGIL_RETURN_IF_ERROR(WriteAll(fd, frame));
    StartPivotIfReady(processor);
  }
  return OkStatus();
}

Status ServeStream(int fd, EnclaveProcessor& processor) {
  quorum::FrameReader frames;
  Bytes buffer(64 * 1024);
  while (true) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return OkStatus();  // the peer went away; a partial frame goes with it
    VIGIL_RETURN_IF_ERROR(
        Pump(fd, frames, processor, ByteView(buffer.data(), static_cast<std::size_t>(n))));
  }
}

namespace {

// Serves a listening socket, one connection at a time, as QuorumOS does.
Status ServeListener(int listener, EnclaveProcessor& processor) {
  if (listen(listener, 4) != 0) return Sys("listen");
  while (true) {
    UniqueFd connection(accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
    if (connection.get() < 0) {
      if (errno == EINTR) continue;
      return Sys("accept");
    }
    Status served = ServeStream(connection.get(), processor);
    if (!served.ok()) {
      std::fprintf(stderr, "vigil-enclave: connection closed: %s\n",
                   served.error().message().c_str());
    }
  }
}

}  // namespace

Status ServeUnixSocket(const std::filesystem::path& path, EnclaveProcessor& processor) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof(address.sun_path)) {
    return Error::BadInput("the socket path is too long: " + path.string());
  }
  std::memcpy(address.sun_path, path.c_str(), path.native().size());
  UniqueFd listener(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return Sys("socket");
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  const mode_t old_mask = umask(0177);
  const int bound = bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address);
  umask(old_mask);
  if (bound != 0) return Sys("binding " + path.string());
  std::fprintf(stderr, "vigil-enclave: serving the QuorumOS protocol on %s\n", path.c_str());
  return ServeListener(listener.get(), processor);
}

Status ServeVsock(unsigned port, EnclaveProcessor& processor) {
  UniqueFd listener(socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return Sys("a vsock socket (no vsock transport here?)");
  sockaddr_vm address{};
  address.svm_family = AF_VSOCK;
  address.svm_cid = VMADDR_CID_ANY;
  address.svm_port = port;
  if (bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Sys("binding vsock port " + std::to_string(port));
  }
  std::fprintf(stderr, "vigil-enclave: serving the QuorumOS protocol on vsock port %u\n", port);
  return ServeListener(listener.get(), processor);
}

Result<std::filesystem::path> FindSerialPort(const std::string& name) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/class/virtio-ports", error)) {
    std::ifstream in(entry.path() / "name");
    std::string port_name;
    std::getline(in, port_name);
    if (port_name == name) return "/dev" / entry.path().filename();
  }
  return Error::MissingEnv("no virtio serial port named '" + name +
                           "' (under /sys/class/virtio-ports); QEMU needs -device "
                           "virtserialport,name=" +
                           name);
}

namespace {

// Waits until the port has data (true) or has no host (false: the host went away, or has not
// come yet). The port stays open throughout: a guest that closes it makes QEMU stop
// forwarding what the host sends.
bool WaitForData(int fd) {
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
  if (p.revents & POLLIN) return true;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  return false;
}

}  // namespace

Result<UniqueFd> OpenSerialPort(const std::string& name) {
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path device, FindSerialPort(name));
  UniqueFd port(open(device.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (port.get() < 0) return Sys("opening " + device.string());
  std::fprintf(stderr, "vigil-enclave: the host channel is %s (%s)\n", device.c_str(),
               name.c_str());
  return port;
}

Result<Bytes> ReceiveHandover(int port) {
  quorum::FrameReader frames(kMaxHandoverBytes);
  Bytes buffer(4096);
  while (true) {
    if (!WaitForData(port)) {
      frames.Reset();
      continue;
    }
    const ssize_t n = read(port, buffer.data(), buffer.size());
    if (n <= 0) continue;
    VIGIL_RETURN_IF_ERROR(frames.Feed(ByteView(buffer.data(), static_cast<std::size_t>(n))));
    if (std::optional<Bytes> message = frames.Next()) {
      VIGIL_ASSIGN_OR_RETURN(Bytes ack, quorum::EncodeFrame(AsBytes("ok")));
      VIGIL_RETURN_IF_ERROR(WriteAll(port, ack));
      return std::move(*message);
    }
  }
}

Status ServeSerialPort(int port, EnclaveProcessor& processor) {
  std::fprintf(stderr, "vigil-enclave: serving the QuorumOS protocol on the host channel\n");
  quorum::FrameReader frames;
  Bytes buffer(64 * 1024);
  while (true) {
    if (!WaitForData(port)) {
      frames.Reset();  // no host: a partial frame is dropped
      continue;
    }
    const ssize_t n = read(port, buffer.data(), buffer.size());
    if (n <= 0) continue;
    Status pumped =
        Pump(port, frames, processor, ByteView(buffer.data(), static_cast<std::size_t>(n)));
    if (!pumped.ok()) {
      std::fprintf(stderr, "vigil-enclave: %s; waiting for the host again\n",
                   pumped.error().message().c_str());
      frames.Reset();
    }
  }
}

}  // namespace vigil::enclave
