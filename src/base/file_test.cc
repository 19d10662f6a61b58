#include "base/file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vigil {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-file-test-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  fs::path path(const std::string& name) { return dir_->path() / name; }
  std::optional<TempDir> dir_;
};

TEST_F(FileTest, AtomicWriteThenReadBack) {
  ASSERT_TRUE(WriteFileAtomic(path("a"), AsBytes("hello"), 0600).ok());
  auto data = ReadFile(path("a"), 100);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(AsText(*data), "hello");
  struct stat st {};
  ASSERT_EQ(::stat(path("a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Only the file itself is left: no temporary file.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_->path()), fs::directory_iterator()), 1);
}

TEST_F(FileTest, CreateNeverReplaces) {
  ASSERT_TRUE(CreateFileAtomic(path("k"), AsBytes("first"), 0600).ok());
  auto again = CreateFileAtomic(path("k"), AsBytes("second"), 0600);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(AsText(*ReadFile(path("k"), 100)), "first");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_->path()), fs::directory_iterator()), 1);
}

// Over 1 MiB, files are written with O_DIRECT (base/file.cc): the bytes, in
// pieces of odd sizes, read back exactly, with the length not a multiple of the block.
std::string LargeText(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (i * 7919) % 26);
  return text;
}

void ExpectPiecesWritten(const fs::path& file) {
  const std::string text = LargeText((3u << 20) + 4097);
  const ByteView pieces[] = {AsBytes(std::string_view(text).substr(0, 13)),
                             AsBytes(std::string_view(text).substr(13, (1u << 20) + 5)),
                             AsBytes(std::string_view(text).substr((1u << 20) + 18))};
  const Status created = CreateFileAtomic(file, pieces, 0644);
  ASSERT_TRUE(created.ok()) << created.error().message();
  auto data = ReadFile(file, 8u << 20);
  ASSERT_TRUE(data.ok());
  EXPECT_TRUE(AsText(*data) == text);
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
}

TEST_F(FileTest, LargeFilesInPiecesReadBackExactly) { ExpectPiecesWritten(path("big")); }

bool WriteProcFile(const char* file, const std::string& text) {
  const int fd = ::open(file, O_WRONLY | O_CLOEXEC);
  const bool ok =
      fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  if (fd >= 0) ::close(fd);
  return ok;
}

// ramfs refuses O_DIRECT: the same file is then written with plain writes. In a child,
// which mounts it in its own user and mount namespaces.
TEST_F(FileTest, LargeFilesWithoutDirectIoFallBackToPlainWrites) {
  const fs::path mount_point = path("ramfs");
  fs::create_directory(mount_point);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Files are created as the caller, mapped to the new namespace's root.
    const std::string uid_map = "0 " + std::to_string(::getuid()) + " 1";
    const std::string gid_map = "0 " + std::to_string(::getgid()) + " 1";
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0 ||
        !WriteProcFile("/proc/self/setgroups", "deny") ||
        !WriteProcFile("/proc/self/uid_map", uid_map) ||
        !WriteProcFile("/proc/self/gid_map", gid_map) ||
        ::mount("none", mount_point.c_str(), "ramfs", 0, nullptr) != 0) {
      ::_exit(2);
    }
    ExpectPiecesWritten(mount_point / "big");
    ::_exit(::testing::Test::HasFailure() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: ramfs could not be mounted; 1: the file differed";
}

TEST_F(FileTest, ReadRefusesOversizeFiles) {
  ASSERT_TRUE(WriteFileAtomic(path("big"), AsBytes("0123456789")).ok());
  auto data = ReadFile(path("big"), 9);
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.error().code(), ErrorCode::kBadInput);
}

TEST_F(FileTest, ReadRefusesSymlinksWhenAsked) {
  ASSERT_TRUE(WriteFileAtomic(path("real"), AsBytes("x")).ok());
  fs::create_symlink(path("real"), path("link"));
  EXPECT_TRUE(ReadFile(path("link"), 10, /*allow_symlink=*/true).ok());
  auto r = ReadFile(path("link"), 10, /*allow_symlink=*/false);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("symbolic link"), std::string::npos);
}

TEST_F(FileTest, ReadRefusesFifosWithoutBlocking) {
  ASSERT_EQ(::mkfifo(path("fifo").c_str(), 0600), 0);
  auto r = ReadFile(path("fifo"), 10);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not a regular file"), std::string::npos);
  auto dir = ReadFile(dir_->path(), 10);
  EXPECT_FALSE(dir.ok());
}

TEST_F(FileTest, ReadMissingFileIsBadInput) {
  auto r = ReadFile(path("missing"), 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadInput);
}

TEST_F(FileTest, TempDirRemovesItselfUnlessReleased) {
  fs::path kept;
  fs::path removed;
  {
    auto a = TempDir::Create(dir_->path(), "a-");
    auto b = TempDir::Create(dir_->path(), "b-");
    ASSERT_TRUE(a.ok() && b.ok());
    removed = a->path();
    kept = b->path();
    b->Release();
  }
  EXPECT_FALSE(fs::exists(removed));
  EXPECT_TRUE(fs::exists(kept));
}

TEST_F(FileTest, PublishDirectoryRefusesToReplace) {
  fs::create_directory(path("src"));
  fs::create_directory(path("dst"));
  auto s = PublishDirectory(path("src"), path("dst"));
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(fs::exists(path("src")));
  ASSERT_TRUE(PublishDirectory(path("src"), path("new")).ok());
  EXPECT_TRUE(fs::exists(path("new")));
  EXPECT_FALSE(fs::exists(path("src")));
}

}  // namespace
}  // namespace vigil
