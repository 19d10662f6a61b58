#include "encoding/dist_manifest.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "encoding/sha256sums.h"

namespace vigil::encoding {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-manifest-test.");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(*dir));
    Put("a", "alpha");
    Put("b.eif", "beta");
    WriteSums();
  }
  const fs::path& dist() const { return dir_->path(); }
  void Put(const std::string& name, const std::string& text) {
    ASSERT_TRUE(WriteFileAtomic(dist() / name, AsBytes(text)).ok());
  }
  void WriteSums() {
    std::vector<SumEntry> entries;
    for (const auto& name : {"a", "b.eif"}) {
      auto data = ReadFile(dist() / name, 1 << 20);
      ASSERT_TRUE(data.ok());
      entries.push_back({name, crypto::Sha256(*data)});
    }
    Put("SHA256SUMS", FormatSums(entries));
  }
  std::optional<TempDir> dir_;
};

TEST_F(ManifestTest, AcceptsMatchingDirAndIgnoresSignatures) {
  fs::create_directory(dist() / "signatures");
  Put("signatures/X.asc", "anything");
  auto sums = CheckDistManifest(dist());
  ASSERT_TRUE(sums.ok()) << sums.error().message();
  EXPECT_NE(sums->find("  b.eif\n"), std::string::npos);
}

TEST_F(ManifestTest, NamesModifiedExtraAndMissingFiles) {
  Put("a", "tampered");
  Put("extra", "x");
  fs::remove(dist() / "b.eif");
  auto sums = CheckDistManifest(dist());
  ASSERT_FALSE(sums.ok());
  EXPECT_EQ(sums.error().code(), ErrorCode::kFailed);
  const std::string& message = sums.error().message();
  EXPECT_NE(message.find("modified file 'a'"), std::string::npos) << message;
  EXPECT_NE(message.find("extra file 'extra'"), std::string::npos) << message;
  EXPECT_NE(message.find("missing file 'b.eif'"), std::string::npos) << message;
}

TEST_F(ManifestTest, RefusesSymlinksAndSubdirectories) {
  fs::create_symlink("a", dist() / "link");
  fs::create_directory(dist() / "sub");
  auto sums = CheckDistManifest(dist());
  ASSERT_FALSE(sums.ok());
  EXPECT_EQ(sums.error().code(), ErrorCode::kFailed);
  EXPECT_NE(sums.error().message().find("symlink 'link'"), std::string::npos);
  EXPECT_NE(sums.error().message().find("subdirectory 'sub'"), std::string::npos);
}

TEST_F(ManifestTest, SignaturesMustBeADirectory) {
  Put("signatures", "not a dir");
  auto sums = CheckDistManifest(dist());
  ASSERT_FALSE(sums.ok());
  EXPECT_EQ(sums.error().code(), ErrorCode::kFailed);
}

TEST_F(ManifestTest, MissingOrMalformedSumsIsBadInput) {
  Put("SHA256SUMS", "garbage\n");
  auto malformed = CheckDistManifest(dist());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kBadInput);
  fs::remove(dist() / "SHA256SUMS");
  auto missing = CheckDistManifest(dist());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kBadInput);
  auto not_dir = CheckDistManifest(dist() / "a");
  ASSERT_FALSE(not_dir.ok());
  EXPECT_EQ(not_dir.error().code(), ErrorCode::kBadInput);
}

}  // namespace
}  // namespace vigil::encoding
