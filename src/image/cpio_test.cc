#include "image/cpio.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file.h"
#include "base/subprocess.h"
#include "image/test_util.h"

namespace vigil::image {
namespace {

using testing::ScratchDir;

// Contents the sample entries view; they outlive every archive written in these tests.
const Bytes kInitData(1001, 7);

std::vector<CpioEntry> SampleEntries() {
  std::vector<CpioEntry> entries = {
      {.path = "bin/hello",
       .type = CpioType::kRegular,
       .permissions = 0755,
       .data = AsBytes("hi\n")},
      {.path = "init", .type = CpioType::kRegular, .permissions = 0700, .data = kInitData},
      {.path = "dev/console",
       .type = CpioType::kCharDevice,
       .permissions = 0600,
       .rdev_major = 5,
       .rdev_minor = 1},
      {.path = "bin/sh", .type = CpioType::kSymlink, .permissions = 0777, .data = AsBytes("hello")},
  };
  AddParentDirectories(entries);
  return entries;
}

TEST(Cpio, HeaderFieldsAreFixed) {
  auto archive = WriteCpioNewc(SampleEntries(), 1700000000);
  ASSERT_TRUE(archive.ok());
  std::string text(AsText(*archive));
  // First entry is "bin" (byte-wise order): inode 1, directory 0755, uid/gid 0,
  // nlink 2, mtime 0x6553F100.
  EXPECT_EQ(text.substr(0, 6), "070701");
  EXPECT_EQ(text.substr(6, 8), "00000001");
  EXPECT_EQ(text.substr(14, 8), "000041ED");
  EXPECT_EQ(text.substr(22, 16), "0000000000000000");
  EXPECT_EQ(text.substr(38, 8), "00000002");
  EXPECT_EQ(text.substr(46, 8), "6553F100");
  EXPECT_EQ(archive->size() % 512, 0u);
  EXPECT_NE(text.find("TRAILER!!!"), std::string::npos);
}

TEST(Cpio, OrderAndInodesDoNotDependOnInputOrder) {
  auto a = SampleEntries();
  auto b = a;
  std::reverse(b.begin(), b.end());
  auto x = WriteCpioNewc(a, 1);
  auto y = WriteCpioNewc(b, 1);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(*x, *y);
}

TEST(Cpio, GnuCpioListsAndExtractsIt) {
  ScratchDir dir;
  auto archive = WriteCpioNewc(SampleEntries(), 1700000000);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "a.cpio", *archive).ok());

  auto list = vigil::Run(
      {.argv = {"sh", "-c", "cpio -t --quiet < a.cpio"}, .working_dir = dir.path().string()});
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(list->exit.ok()) << list->output;
  EXPECT_EQ(list->output, "bin\nbin/hello\nbin/sh\ndev\ndev/console\ninit\n");

  std::filesystem::create_directory(dir.path() / "x");
  auto extract =
      vigil::Run({.argv = {"sh", "-c",
                           "cpio -i --quiet --no-absolute-filenames --make-directories "
                           "--preserve-modification-time --nonmatching 'dev/console' < ../a.cpio"},
                  .working_dir = (dir.path() / "x").string(),
                  .capture_stderr = true});
  ASSERT_TRUE(extract.ok());
  ASSERT_TRUE(extract->exit.ok()) << extract->output;
  auto hello = ReadFile(dir.path() / "x/bin/hello", 100);
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(AsText(*hello), "hi\n");
  EXPECT_EQ(std::filesystem::read_symlink(dir.path() / "x/bin/sh"), "hello");
  auto init = ReadFile(dir.path() / "x/init", 2000);
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(*init, Bytes(1001, 7));
  auto perms = std::filesystem::status(dir.path() / "x/init").permissions();
  EXPECT_EQ(static_cast<unsigned>(perms) & 0777, 0700u);
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "x/init").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1700000000);
}

TEST(Cpio, BsdtarListsIt) {
  ScratchDir dir;
  auto archive = WriteCpioNewc(SampleEntries(), 1);
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "a.cpio", *archive).ok());
  auto list = vigil::Run({.argv = {"bsdtar", "-tf", (dir.path() / "a.cpio").string()}});
  ASSERT_TRUE(list.ok());
  ASSERT_TRUE(list->exit.ok());
  EXPECT_EQ(list->output, "bin\nbin/hello\nbin/sh\ndev\ndev/console\ninit\n");
}

TEST(Cpio, RejectsDuplicatesBadPathsAndMissingParents) {
  std::vector<CpioEntry> dup = {{.path = "a"}, {.path = "a"}};
  EXPECT_FALSE(WriteCpioNewc(dup, 0).ok());
  for (std::string bad :
       {"/abs", "a/../b", "./a", "a//b", "a/", "", "TRAILER!!!", "TRAILER!!!/x"}) {
    std::vector<CpioEntry> one = {{.path = bad}};
    auto r = WriteCpioNewc(one, 0);
    EXPECT_FALSE(r.ok()) << bad;
  }
  std::vector<CpioEntry> orphan = {{.path = "nodir/file"}};
  auto r = WriteCpioNewc(orphan, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("parent directory"), std::string::npos);
}

}  // namespace
}  // namespace vigil::image
