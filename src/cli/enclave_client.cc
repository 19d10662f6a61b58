#include "cli/enclave_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"
#include "quorum/frame.h"

namespace vigil::cli {
namespace {

// An answer carries at most an attestation document and an envelope.
constexpr std::uint64_t kMaxAnswerBytes = 16u << 20;

Status WriteAll(int fd, ByteView bytes) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Error::Failed(std::string("sending to the enclave: ") + std::strerror(errno));
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

Result<Bytes> ReadAnswer(int fd) {
  quorum::FrameReader frames(kMaxAnswerBytes);
  Bytes buffer(64 * 1024);
  while (true) {
    if (std::optional<Bytes> answer = frames.Next()) return std::move(*answer);
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Error::Failed("the enclave closed the connection without an answer");
    VIGIL_RETURN_IF_ERROR(frames.Feed(ByteView(buffer.data(), static_cast<std::size_t>(n))));
  }
}

}  // namespace

Result<quorum::ProtocolMsg> Exchange(const std::string& socket_path,
                                     const quorum::ProtocolMsg& request,
                                     quorum::WireEncoding encoding) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) {
    return Error::BadInput("the socket path is too long: " + socket_path);
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0 ||
      connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Error::MissingEnv("cannot reach the enclave at " + socket_path + ": " +
                             std::strerror(errno));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes message, quorum::EncodeWire(request, encoding));
  VIGIL_ASSIGN_OR_RETURN(Bytes frame, quorum::EncodeFrame(message));
  VIGIL_RETURN_IF_ERROR(WriteAll(fd.get(), frame));
  VIGIL_ASSIGN_OR_RETURN(Bytes answer, ReadAnswer(fd.get()));
  Result<quorum::DecodedMsg> decoded = quorum::DecodeWire(answer);
  if (!decoded.ok()) return Error::Failed("the enclave's answer: " + decoded.error().message());
  if (decoded->msg.kind == quorum::MessageKind::kProtocolErrorResponse) {
    return Error::Failed(quorum::DescribeProtocolError(decoded->msg.error));
  }
  return std::move(decoded->msg);
}

}  // namespace vigil::cli
