#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <system_error>
#include <vector>

#include "base/unique_fd.h"

namespace vigil {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Zeroes a buffer in a way the compiler may not elide (base cannot use crypto's Wipe).
void WipeBuffer(Bytes& data) {
  volatile std::uint8_t* p = data.data();
  for (std::size_t i = 0; i < data.size(); ++i) p[i] = 0;
}

}  // namespace

Result<InputFile> OpenInputFile(const fs::path& path, std::uint64_t max_size, bool allow_symlink) {
  // O_NONBLOCK so that opening a FIFO or device given as input does not block; regular
  // files ignore it, and anything else is refused below.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (allow_symlink ? 0 : O_NOFOLLOW);
  UniqueFd fd(::open(path.c_str(), flags));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ELOOP) {
      return Error::BadInput(path.string() + " is a symbolic link; give the real file instead");
    }
    if (err == ENOENT) {
      return Error::BadInput(path.string() + " does not exist; check the path");
    }
    if (err == EACCES) {
      return Error::BadInput("cannot open " + path.string() +
                             ": permission denied; make it readable by this user");
    }
    return Error::BadInput("cannot open " + path.string() + ": " + ErrnoText(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Error::Failed("cannot stat " + path.string() + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Error::BadInput(path.string() +
                           " is not a regular file (a directory, device or pipe); give a file");
  }
  if (::fcntl(fd.get(), F_SETFL, O_RDONLY) != 0) {
    return Error::Failed("cannot read " + path.string() + ": " + ErrnoText(errno));
  }
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    return Error::BadInput(path.string() + " is " + std::to_string(st.st_size) +
                           " bytes, more than the limit of " + std::to_string(max_size));
  }
  return InputFile{std::move(fd), static_cast<std::uint64_t>(st.st_size)};
}

Result<Bytes> ReadFile(const fs::path& path, std::uint64_t max_size, bool allow_symlink) {
  VIGIL_ASSIGN_OR_RETURN(InputFile in, OpenInputFile(path, max_size, allow_symlink));
  UniqueFd& fd = in.fd;
  Bytes data(static_cast<std::size_t>(in.size));
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::read(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || n == 0) {
      // The bytes read so far may be a secret key: wipe them before giving up.
      std::string why = n < 0 ? "cannot read " + path.string() + ": " + ErrnoText(errno)
                              : path.string() + " shrank while it was being read";
      WipeBuffer(data);
      return Error::Failed(why);
    }
    done += static_cast<std::size_t>(n);
  }
  std::uint8_t extra = 0;
  if (::read(fd.get(), &extra, 1) > 0) {
    WipeBuffer(data);
    return Error::Failed(path.string() + " grew while it was being read");
  }
  return data;
}

Status FsyncDirectory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Error::Failed("cannot open directory " + dir.string());
  if (::fsync(fd.get()) != 0) {
    return Error::Failed("cannot fsync directory " + dir.string() + ": " + ErrnoText(errno));
  }
  return OkStatus();
}

Status WriteFileAtomic(const fs::path& path, ByteView data, unsigned mode) {
  return WriteFileAtomic(path, std::span<const ByteView>(&data, 1), mode);
}

namespace {

bool WriteAll(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Files this large are written with O_DIRECT through an aligned buffer: the bytes go from
// memory the process already has to the device, instead of into new page-cache pages that
// fsync must write out anyway (and that a VM reporting free pages to its host first faults
// back in: 2.8 MB took 3 to 28 ms that way here, 1.5 ms direct).
constexpr std::size_t kDirectWriteMin = 1 << 20;
constexpr std::size_t kDirectAlign = 4096;
constexpr std::size_t kDirectChunk = 1 << 20;

// One buffer per thread, kept: a new one per file would cost the page faults saved.
std::uint8_t* DirectBuffer() {
  thread_local std::unique_ptr<std::uint8_t, decltype(&std::free)> buffer(
      static_cast<std::uint8_t*>(std::aligned_alloc(kDirectAlign, kDirectChunk)), &std::free);
  return buffer.get();
}

// The pieces through the aligned buffer with O_DIRECT, the last block padded and the file
// then cut to `total`; false with errno set (EINVAL or EOPNOTSUPP: the file system refused
// direct I/O).
bool WritePiecesDirect(int fd, std::span<const ByteView> pieces, std::size_t total) {
  std::uint8_t* buffer = DirectBuffer();
  const int flags = ::fcntl(fd, F_GETFL);
  if (buffer == nullptr || flags < 0 || ::fcntl(fd, F_SETFL, flags | O_DIRECT) != 0) {
    errno = EINVAL;
    return false;
  }
  std::size_t filled = 0;
  bool ok = true;
  for (ByteView piece : pieces) {
    for (std::size_t done = 0; ok && done < piece.size();) {
      const std::size_t n = std::min(kDirectChunk - filled, piece.size() - done);
      std::memcpy(buffer + filled, piece.data() + done, n);
      filled += n;
      done += n;
      if (filled == kDirectChunk) {
        ok = WriteAll(fd, buffer, filled);
        filled = 0;
      }
    }
  }
  if (ok && filled > 0) {
    const std::size_t padded = (filled + kDirectAlign - 1) / kDirectAlign * kDirectAlign;
    std::memset(buffer + filled, 0, padded - filled);
    ok = WriteAll(fd, buffer, padded);
  }
  const int err = errno;
  ::explicit_bzero(buffer, kDirectChunk);  // what was written may have been secret
  errno = err;
  return ok && ::ftruncate(fd, static_cast<off_t>(total)) == 0 && ::fcntl(fd, F_SETFL, flags) == 0;
}

// Writes `pieces` in order to the empty file `fd`; false with errno set.
bool WritePieces(int fd, std::span<const ByteView> pieces) {
  std::size_t total = 0;
  for (ByteView piece : pieces) total += piece.size();
  if (total >= kDirectWriteMin) {
    if (WritePiecesDirect(fd, pieces, total)) return true;
    if (errno != EINVAL && errno != EOPNOTSUPP) return false;
    // No direct I/O here: start again with plain writes.
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_DIRECT) != 0 || ::ftruncate(fd, 0) != 0 ||
        ::lseek(fd, 0, SEEK_SET) != 0) {
      return false;
    }
  }
  for (ByteView piece : pieces) {
    if (!WriteAll(fd, piece.data(), piece.size())) return false;
  }
  return true;
}

// Writes a temporary file beside `path`, fsyncs it and renames it onto `path`; with
// `no_replace`, an existing `path` is an error and a file renamed into place is removed
// again if the directory cannot be flushed.
Status WriteAtomic(const fs::path& path, std::span<const ByteView> pieces, unsigned mode,
                   bool no_replace) {
  fs::path dir = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmpXXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  UniqueFd fd(::mkstemp(name.data()));
  if (fd.get() < 0) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return Error::BadInput("cannot write " + path.string() + ": the directory " + dir.string() +
                             " does not exist; create it first");
    }
    return Error::Failed("cannot create a temporary file in " + dir.string() + ": " +
                         ErrnoText(err));
  }
  std::string tmp_path(name.data());
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::unlink(tmp_path.c_str());
    return Error::Failed(what + " " + path.string() + ": " + ErrnoText(err));
  };
  if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) return fail("cannot set the mode of");
  if (!WritePieces(fd.get(), pieces)) return fail("cannot write");
  if (::fsync(fd.get()) != 0) return fail("cannot fsync");
  if (::close(fd.release()) != 0) return fail("cannot close");
  if (no_replace) {
    if (::renameat2(AT_FDCWD, tmp_path.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST) {
        ::unlink(tmp_path.c_str());
        return Error::BadInput(path.string() + " already exists; it is never overwritten");
      }
      return fail("cannot rename onto");
    }
    Status flushed = FsyncDirectory(dir);
    if (!flushed.ok()) ::unlink(path.c_str());
    return flushed;
  }
  if (::rename(tmp_path.c_str(), path.c_str()) != 0) return fail("cannot rename onto");
  return FsyncDirectory(dir);
}

}  // namespace

Status WriteFileAtomic(const fs::path& path, std::span<const ByteView> pieces, unsigned mode) {
  return WriteAtomic(path, pieces, mode, /*no_replace=*/false);
}

Status CreateFileAtomic(const fs::path& path, ByteView data, unsigned mode) {
  return CreateFileAtomic(path, std::span<const ByteView>(&data, 1), mode);
}

Status CreateFileAtomic(const fs::path& path, std::span<const ByteView> pieces, unsigned mode) {
  return WriteAtomic(path, pieces, mode, /*no_replace=*/true);
}

Result<TempDir> TempDir::Create(const fs::path& parent, const std::string& prefix) {
  std::string tmpl = (parent / (prefix + "XXXXXX")).string();
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      std::error_code ec;
      if (fs::is_directory(parent, ec)) {
        // /proc and /sys answer ENOENT for a new name in a directory that exists.
        return Error::BadInput("cannot create a directory in " + parent.string() +
                               ": it exists but refuses new entries (" + ErrnoText(err) +
                               "; a virtual filesystem such as /proc?); choose a directory on a "
                               "writable filesystem");
      }
      return Error::BadInput("the directory " + parent.string() +
                             " does not exist; create it first");
    }
    return Error::Failed("cannot create a temporary directory in " + parent.string() + ": " +
                         ErrnoText(err));
  }
  return TempDir(fs::path(name.data()));
}

TempDir::TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }

TempDir& TempDir::operator=(TempDir&& other) noexcept {
  if (this != &other) {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

TempDir::~TempDir() {
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

Status PublishDirectory(const fs::path& from, const fs::path& to) {
  // renameat2(RENAME_NOREPLACE) refuses to replace an existing path, even one created
  // after we checked.
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    int err = errno;
    if (err == EEXIST || err == ENOTEMPTY) {
      return Error::BadInput(to.string() + " already exists; remove it or choose another --out");
    }
    return Error::Failed("cannot move the result to " + to.string() + ": " + ErrnoText(err));
  }
  fs::path parent = to.parent_path().empty() ? fs::path(".") : to.parent_path();
  return FsyncDirectory(parent);
}

}  // namespace vigil
