#include "quorum/channel.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/unique_fd.h"
#include "quorum/frame.h"

namespace vigil::quorum {
namespace {

Error Sys(const std::string& what) {
  return Error::Failed(what + ": " + (errno == EAGAIN ? "timed out" : std::strerror(errno)));
}

Status WriteAll(int fd, ByteView bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Sys("sending to the enclave");
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return OkStatus();
}

}  // namespace

Result<Bytes> ExchangeFrames(const std::string& socket_path, ByteView message,
                             const ChannelLimits& limits) {
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
  const auto ms = limits.timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>(ms % 1000 * 1000)};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  VIGIL_ASSIGN_OR_RETURN(Bytes frame, EncodeFrame(message));
  VIGIL_RETURN_IF_ERROR(WriteAll(fd.get(), frame));
  FrameReader frames(limits.max_answer_bytes);
  Bytes buffer(64 * 1024);
  while (true) {
    if (std::optional<Bytes> answer = frames.Next()) return std::move(*answer);
    const ssize_t n = read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Sys("waiting for the enclave's answer");
    if (n == 0) return Error::Failed("the enclave closed the connection without an answer");
    VIGIL_RETURN_IF_ERROR(frames.Feed(ByteView(buffer.data(), static_cast<std::size_t>(n))));
  }
}

}  // namespace vigil::quorum
