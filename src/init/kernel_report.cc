#include "init/kernel_report.h"

#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "init/console.h"

namespace vigil::init {
namespace {

constexpr char kNsmDevice[] = "/dev/nsm";
constexpr unsigned kParentCid = 3;
constexpr unsigned kHeartbeatPort = 9000;
constexpr unsigned char kHeartbeat = 0xB7;

bool CanOpenSocket(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// init_module(2) with nothing to load: ENOSYS when the kernel has no module support.
bool CanLoadModules() {
  return !(::syscall(SYS_init_module, nullptr, 0UL, "") < 0 && errno == ENOSYS);
}

// Whether we have a guest's vsock context id (3 and up; 1 is loopback, 2 the host), from
// /dev/vsock: only with a vsock device (a virtio-vsock device, or Nitro's).
bool HasVsockTransport() {
  const int fd = ::open("/dev/vsock", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned cid = VMADDR_CID_ANY;
  const bool known = ::ioctl(fd, IOCTL_VM_SOCKETS_GET_LOCAL_CID, &cid) == 0 &&
                     cid != VMADDR_CID_ANY && cid > VMADDR_CID_HOST;
  ::close(fd);
  return known;
}

}  // namespace

void ReportKernel() {
  WriteConsole(std::string("VIGIL-INIT: kernel ipv4=") +
               (CanOpenSocket(AF_INET) ? "present" : "absent") +
               " modules=" + (CanLoadModules() ? "present" : "absent") + "\n");
}

bool NitroHeartbeat() {
  if (::access(kNsmDevice, F_OK) != 0) {
    Say(std::string("no NSM device (/dev/nsm) and ") + (HasVsockTransport() ? "a" : "no") +
        " vsock transport: not a Nitro enclave; skipping the Nitro heartbeat");
    return true;
  }
  const int fd = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_vm parent{};
  parent.svm_family = AF_VSOCK;
  parent.svm_cid = kParentCid;
  parent.svm_port = kHeartbeatPort;
  unsigned char echo = 0;
  const bool ok =
      fd >= 0 && ::connect(fd, reinterpret_cast<const sockaddr*>(&parent), sizeof parent) == 0 &&
      ::write(fd, &kHeartbeat, 1) == 1 && ::read(fd, &echo, 1) == 1 && echo == kHeartbeat;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) Say(std::string("the Nitro heartbeat failed: ") + std::strerror(error));
  return ok;
}

}  // namespace vigil::init
