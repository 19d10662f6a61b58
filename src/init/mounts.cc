#include "init/mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace vigil::init {
namespace {

struct Mount {
  const char* source;
  const char* target;
  const char* type;
  unsigned long flags;
  const char* data;
  // Kernels without it (no such filesystem, or sysfs lacks its mount point) skip it.
  bool optional = false;
};

// Device nodes must stay usable in /dev; nothing else needs devices, setuid or exec.
constexpr unsigned long kLocked = MS_NOSUID | MS_NODEV | MS_NOEXEC;
constexpr Mount kMounts[] = {
    {"proc", "/proc", "proc", kLocked, nullptr},
    {"sysfs", "/sys", "sysfs", kLocked, nullptr},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755"},
    {"tmpfs", "/tmp", "tmpfs", kLocked, "mode=1777"},
    {"tmpfs", "/run", "tmpfs", kLocked, "mode=0755"},
    // The firmware's TPM event log (tpm0/binary_bios_measurements), read by vigil-enclave's
    // tpm attestation; sysfs provides the directory when the kernel has SECURITYFS.
    {"securityfs", "/sys/kernel/security", "securityfs", kLocked, nullptr, true},
};

Status EnsureDirectory(const char* path) {
  if (::mkdir(path, 0755) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return OkStatus();
    return Error::Failed(std::string(path) + " exists but is not a directory");
  }
  return Error::Failed(std::string("cannot create ") + path + ": " + std::strerror(errno));
}

Error MountFailed(const Mount& m) {
  return Error::Failed(std::string("cannot mount ") + m.type + " on " + m.target + ": " +
                       std::strerror(errno));
}

Status MountOne(const Mount& m) {
  if (m.optional) {
    struct stat st {};
    if (::stat(m.target, &st) != 0) return OkStatus();
    if (::mount(m.source, m.target, m.type, m.flags, m.data) == 0 || errno == ENODEV) {
      return OkStatus();
    }
    return MountFailed(m);
  }
  VIGIL_RETURN_IF_ERROR(EnsureDirectory(m.target));
  if (::mount(m.source, m.target, m.type, m.flags, m.data) != 0) return MountFailed(m);
  return OkStatus();
}

}  // namespace

Status MountEarlyFilesystems() {
  for (const Mount& m : kMounts) VIGIL_RETURN_IF_ERROR(MountOne(m));
  return OkStatus();
}

}  // namespace vigil::init
