#include "image/compress.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "base/file.h"
#include "base/subprocess.h"
#include "image/test_util.h"

namespace vigil::image {
namespace {

Bytes SampleData() {
  Bytes data;
  for (int i = 0; i < 200000; ++i) data.push_back(static_cast<std::uint8_t>((i * 31) ^ (i >> 7)));
  return data;
}

TEST(Compress, GzipHeaderHasNoNameNoTimeAndFixedOs) {
  auto out = Compress(SampleData(), Compression::kGzip);
  ASSERT_TRUE(out.ok());
  ASSERT_GE(out->size(), 10u);
  EXPECT_EQ((*out)[0], 0x1f);
  EXPECT_EQ((*out)[1], 0x8b);
  EXPECT_EQ((*out)[2], 8);                                      // deflate
  EXPECT_EQ((*out)[3], 0);                                      // no FNAME, FCOMMENT, FEXTRA, FHCRC
  EXPECT_EQ((*out)[4] | (*out)[5] | (*out)[6] | (*out)[7], 0);  // MTIME 0
  EXPECT_EQ((*out)[8], 2);                                      // XFL: maximum compression
  EXPECT_EQ((*out)[9], 3);                                      // OS: Unix
}

TEST(Compress, GzipIsDeterministicAndGunzipRestoresIt) {
  Bytes data = SampleData();
  auto a = Compress(data, Compression::kGzip);
  auto b = Compress(data, Compression::kGzip);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "x.gz", *a).ok());
  auto gunzip = vigil::Run({.argv = {"gzip", "-dc", (dir.path() / "x.gz").string()}});
  ASSERT_TRUE(gunzip.ok());
  ASSERT_TRUE(gunzip->exit.ok());
  EXPECT_EQ(Bytes(gunzip->output.begin(), gunzip->output.end()), data);
}

TEST(Compress, GzipOutputDoesNotDependOnThreadCount) {
  Bytes data;
  for (std::uint32_t i = 0; i < 1000000; ++i)
    data.push_back(static_cast<std::uint8_t>((i * i) >> 5));
  auto one = CompressGzip(data, 1);
  auto three = CompressGzip(data, 3);
  auto empty = CompressGzip({}, 2);
  ASSERT_TRUE(one.ok() && three.ok() && empty.ok());
  EXPECT_EQ(*one, *three);
  testing::ScratchDir dir;
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "x.gz", *three).ok());
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "e.gz", *empty).ok());
  // gzip -t checks the CRC-32 and the length in the trailer as well as the deflate stream.
  auto check = vigil::Run(
      {.argv = {"gzip", "-t", (dir.path() / "x.gz").string(), (dir.path() / "e.gz").string()},
       .capture_stderr = true});
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->exit.ok()) << check->output;
  auto gunzip = vigil::Run({.argv = {"gzip", "-dc", (dir.path() / "x.gz").string()}});
  ASSERT_TRUE(gunzip.ok());
  EXPECT_EQ(Bytes(gunzip->output.begin(), gunzip->output.end()), data);
}

TEST(Compress, ZstdIsDeterministicAndRoundTrips) {
  Bytes data = SampleData();
  auto a = Compress(data, Compression::kZstd);
  auto b = Compress(data, Compression::kZstd);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(ZSTD_getFrameContentSize(a->data(), a->size()), data.size());
  Bytes back(data.size());
  std::size_t n = ZSTD_decompress(back.data(), back.size(), a->data(), a->size());
  ASSERT_FALSE(ZSTD_isError(n));
  EXPECT_EQ(back, data);
}

TEST(Compress, NoneCopies) {
  Bytes data = {1, 2, 3};
  auto out = Compress(data, Compression::kNone);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, data);
}

TEST(Compress, NamesParse) {
  EXPECT_EQ(*ParseCompression("zstd"), Compression::kZstd);
  EXPECT_FALSE(ParseCompression("xz").ok());
  EXPECT_EQ(CompressionSuffix(Compression::kGzip), ".gz");
}

}  // namespace
}  // namespace vigil::image
