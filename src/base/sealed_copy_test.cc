#include "base/sealed_copy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "base/file.h"

namespace vigil {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SealedCopy, KeepsTheBytesItCopiedWhateverHappensToTheOriginal) {
  auto dir = TempDir::Create(fs::temp_directory_path(), "sealed-copy-");
  ASSERT_TRUE(dir.ok());
  fs::path original = dir->path() / "initramfs";
  std::ofstream(original) << "checked bytes";
  auto copy = SealedCopy::Create(original, 1 << 20);
  ASSERT_TRUE(copy.ok()) << copy.error().message();
  EXPECT_EQ(copy->size(), 13u);

  std::ofstream(original, std::ios::trunc) << "rewritten in place";  // the same inode
  std::ofstream(dir->path() / "new") << "renamed over";
  fs::rename(dir->path() / "new", original);
  EXPECT_EQ(ReadWhole(copy->ChildPath()), "checked bytes");

  // Sealed: nobody, not even its holder, can change it (an open for writing succeeds, the
  // write itself is refused).
  int fd = ::open(copy->ChildPath().c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_LT(::write(fd, "x", 1), 0);
  EXPECT_EQ(errno, EPERM);
  ::close(fd);
  EXPECT_NE(::ftruncate(copy->fd(), 0), 0);
  EXPECT_EQ(ReadWhole(copy->ChildPath()), "checked bytes");
  EXPECT_EQ(::fcntl(copy->fd(), F_GETFD) & FD_CLOEXEC, 0) << "a child must inherit it";
}

TEST(SealedCopy, RefusesSymlinksAndOversizeFiles) {
  auto dir = TempDir::Create(fs::temp_directory_path(), "sealed-copy-");
  ASSERT_TRUE(dir.ok());
  std::ofstream(dir->path() / "big") << std::string(100, 'x');
  fs::create_symlink(dir->path() / "big", dir->path() / "link");
  EXPECT_FALSE(SealedCopy::Create(dir->path() / "link", 1 << 20).ok());
  auto oversize = SealedCopy::Create(dir->path() / "big", 10);
  ASSERT_FALSE(oversize.ok());
  EXPECT_EQ(oversize.error().code(), ErrorCode::kBadInput);
}

}  // namespace
}  // namespace vigil
