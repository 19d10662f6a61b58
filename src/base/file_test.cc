#include "base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
