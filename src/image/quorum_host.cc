#include "image/quorum_host.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/subprocess.h"

namespace vigil::image {

QuorumHost::QuorumHost(QuorumHostOptions options) : options_(std::move(options)) {}

QuorumHost::~QuorumHost() {
  if (host_pid_ > 0) {
    ::kill(host_pid_, SIGTERM);
    int status = 0;
    ::waitpid(host_pid_, &status, 0);
  }
}

std::vector<std::string> QuorumHost::QemuArgs() const {
  return {"-chardev", "socket,id=vigilq,path=" + socket_path().string() + ",server=on,wait=off",
          "-device",  options_.microvm ? "virtio-serial-device" : "virtio-serial-pci",
          "-device",  "virtserialport,chardev=vigilq,name=" + options_.channel};
}

bool QuorumHost::Fail(std::string why) {
  failure_ = std::move(why);
  return false;
}

bool QuorumHost::StartRelay() {
  Command command{.argv = {options_.host_binary.string(), "--usock", socket_path().string(),
                           "--host-ip", options_.ip, "--host-port", std::to_string(options_.port)}};
  Result<pid_t> started = StartDetached(command, options_.work_dir / "vigil-host.log");
  if (!started.ok()) return Fail("cannot start vigil-host: " + started.error().message());
  host_pid_ = *started;
  std::fprintf(stderr, "vigil: the enclave's channel is up; vigil-host relays http://%s:%d/qos/\n",
               options_.ip.c_str(), options_.port);
  state_ = State::kRelaying;
  return true;
}

bool QuorumHost::Tick() {
  if (state_ == State::kConnect && !options_.boot_pcrs) {
    std::error_code ec;
    return std::filesystem::exists(socket_path(), ec) ? StartRelay() : true;
  }
  if (state_ == State::kConnect) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = socket_path().string();
    if (path.size() >= sizeof address.sun_path)
      return Fail("the channel's socket path is too long");
    std::memcpy(address.sun_path, path.c_str(), path.size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      return true;  // QEMU has not created the socket yet
    }
    Result<Bytes> frame = quorum::EncodeFrame(*options_.boot_pcrs);
    if (!frame.ok() || ::send(fd.get(), frame->data(), frame->size(), MSG_NOSIGNAL) !=
                           static_cast<ssize_t>(frame->size())) {
      return Fail("cannot hand the boot PCRs to the enclave's channel");
    }
    ::fcntl(fd.get(), F_SETFL, O_NONBLOCK);
    channel_ = std::move(fd);
    state_ = State::kAwaitAck;
    return true;
  }
  if (state_ == State::kAwaitAck) {
    char buffer[64];
    const ssize_t n = ::read(channel_.get(), buffer, sizeof buffer);
    if (n == 0) return Fail("QEMU closed the enclave's channel before the handover");
    if (n < 0) return errno == EAGAIN || errno == EINTR ? true : Fail("reading the channel");
    if (!answer_.Feed(ByteView(reinterpret_cast<std::uint8_t*>(buffer), n)).ok()) {
      return Fail("the enclave answered the handover with more than 'ok'");
    }
    std::optional<Bytes> ack = answer_.Next();
    if (!ack) return true;
    if (AsText(*ack) != "ok") return Fail("the enclave refused the boot PCRs");
    channel_ = UniqueFd(-1);  // vigil-host connects once per request from now on
    return StartRelay();
  }
  // Relaying: vigil-host must stay up.
  int status = 0;
  if (::waitpid(host_pid_, &status, WNOHANG) == host_pid_) {
    host_pid_ = -1;
    return Fail("vigil-host ended (see " + (options_.work_dir / "vigil-host.log").string() + ")");
  }
  return true;
}

}  // namespace vigil::image
