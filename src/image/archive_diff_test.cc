#include "image/archive_diff.h"

#include <gtest/gtest.h>

#include "image/compress.h"
#include "image/cpio.h"

namespace vigil::image {
namespace {

const Bytes kHello = {'h', 'i', '\n'};
const Bytes kHelloChanged = {'h', 'o', '\n'};

std::vector<CpioEntry> Tree(const Bytes& hello, std::uint32_t hello_mode) {
  std::vector<CpioEntry> entries = {
      {.path = "bin/hello", .permissions = hello_mode, .data = hello},
      {.path = "dev/console",
       .type = CpioType::kCharDevice,
       .permissions = 0600,
       .rdev_major = 5,
       .rdev_minor = 1},
  };
  AddParentDirectories(entries);
  return entries;
}

TEST(CpioReader, ReadsBackWhatTheWriterWrote) {
  auto archive = WriteCpioNewc(Tree(kHello, 0755), 1700000000);
  ASSERT_TRUE(archive.ok());
  auto members = ReadCpioNewc(*archive);
  ASSERT_TRUE(members.ok()) << members.error().message();
  ASSERT_EQ(members->size(), 4u);
  EXPECT_EQ((*members)[1].name, "bin/hello");
  EXPECT_EQ((*members)[1].mode, 0100755u);
  EXPECT_EQ((*members)[1].mtime, 1700000000u);
  EXPECT_EQ(Bytes((*members)[1].data.begin(), (*members)[1].data.end()), kHello);
  EXPECT_EQ((*members)[3].rdev_major, 5u);
}

TEST(CpioReader, RejectsTruncatedAndGarbage) {
  auto archive = WriteCpioNewc(Tree(kHello, 0755), 1);
  ASSERT_TRUE(archive.ok());
  EXPECT_FALSE(ReadCpioNewc(ByteView(*archive).first(200)).ok());
  Bytes garbage = *archive;
  garbage[0] = 'X';
  EXPECT_FALSE(ReadCpioNewc(garbage).ok());
  Bytes trailing = *archive;
  trailing.push_back(1);
  EXPECT_FALSE(ReadCpioNewc(trailing).ok());
}

TEST(CpioReader, RefusesANameThatAppearsTwice) {
  // A directory "x": its header (110 bytes) and name ("x\0", padded to 112) come first.
  std::vector<CpioEntry> one = {{.path = "x", .type = CpioType::kDirectory, .permissions = 0755}};
  auto archive = WriteCpioNewc(one, 1);
  ASSERT_TRUE(archive.ok());
  Bytes twice(archive->begin(), archive->begin() + 112);
  twice.insert(twice.end(), archive->begin(), archive->end());
  auto members = ReadCpioNewc(twice);
  ASSERT_FALSE(members.ok());
  EXPECT_NE(members.error().message().find("'x' appears twice"), std::string::npos)
      << members.error().message();
}

TEST(ArchiveDiff, NamesTheMemberAndField) {
  auto a = WriteCpioNewc(Tree(kHello, 0755), 1700000000);
  auto mode = WriteCpioNewc(Tree(kHello, 0700), 1700000000);
  auto content = WriteCpioNewc(Tree(kHelloChanged, 0755), 1700000000);
  auto time = WriteCpioNewc(Tree(kHello, 0755), 1700000001);
  ASSERT_TRUE(a.ok() && mode.ok() && content.ok() && time.ok());
  auto ma = ReadCpioNewc(*a);
  auto mm = ReadCpioNewc(*mode);
  auto mc = ReadCpioNewc(*content);
  auto mt = ReadCpioNewc(*time);
  EXPECT_TRUE(DiffCpioMembers(*ma, *ma).empty());
  EXPECT_EQ(DiffCpioMembers(*ma, *mm),
            std::vector<std::string>{"bin/hello: mode 100755 vs 100700"});
  auto diff = DiffCpioMembers(*ma, *mc);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].rfind("bin/hello: content differs (sha256 ", 0), 0u) << diff[0];
  EXPECT_EQ(DiffCpioMembers(*ma, *mt).size(), 4u);  // every member's mtime
  EXPECT_EQ(DiffCpioMembers(*ma, *mt)[0], "bin: mtime 1700000000 vs 1700000001");
}

TEST(ArchiveDiff, ComparesCompressedInitramfs) {
  auto a = WriteCpioNewc(Tree(kHello, 0755), 1);
  auto b = WriteCpioNewc(Tree(kHelloChanged, 0755), 1);
  ASSERT_TRUE(a.ok() && b.ok());
  for (Compression c : {Compression::kGzip, Compression::kZstd, Compression::kNone}) {
    auto za = Compress(*a, c);
    auto zb = Compress(*b, c);
    ASSERT_TRUE(za.ok() && zb.ok());
    auto same = DiffInitramfs(*za, *za, c);
    ASSERT_TRUE(same.ok()) << CompressionName(c) << ": " << same.error().message();
    EXPECT_TRUE(same->empty());
    auto diff = DiffInitramfs(*za, *zb, c);
    ASSERT_TRUE(diff.ok());
    ASSERT_EQ(diff->size(), 1u);
    EXPECT_NE((*diff)[0].find("bin/hello: content differs"), std::string::npos);
  }
}

TEST(Decompress, RefusesTruncatedAndOversizeData) {
  Bytes data(100000, 7);
  auto gz = Compress(data, Compression::kGzip);
  ASSERT_TRUE(gz.ok());
  EXPECT_FALSE(Decompress(ByteView(*gz).first(gz->size() - 5), Compression::kGzip, 1 << 20).ok());
  EXPECT_FALSE(Decompress(*gz, Compression::kGzip, 1000).ok());
  auto zst = Compress(data, Compression::kZstd);
  ASSERT_TRUE(zst.ok());
  EXPECT_FALSE(Decompress(ByteView(*zst).first(zst->size() - 5), Compression::kZstd, 1 << 20).ok());
  EXPECT_TRUE(Decompress(*zst, Compression::kZstd, 1 << 20).ok());
  auto back = Decompress(*gz, Compression::kGzip, 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

}  // namespace
}  // namespace vigil::image
