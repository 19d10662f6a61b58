#include "crypto/share_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/shamir.h"

namespace vigil::crypto {
namespace {

class ShareFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-share-files-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  std::filesystem::path Path(const std::string& name) const { return dir_->path() / name; }
  std::optional<TempDir> dir_;
};

TEST_F(ShareFilesTest, WritesAPrivateDirectoryWhoseSharesReconstruct) {
  const std::string secret = "the secret";
  auto out = NewShareDirectory(Path("shares").string() + "//");
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out, Path("shares"));  // trailing slashes dropped
  auto shares = shamir::Split(AsBytes(std::string_view(secret)), 2, 3);
  ASSERT_TRUE(shares.ok());
  ASSERT_TRUE(WriteShareDirectory(*out, *shares).ok());
  struct stat st {};
  ASSERT_EQ(::stat(out->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_->path()),
                          std::filesystem::directory_iterator()),
            1);  // no staging directory left beside it
  auto back =
      ReconstructFromShareFiles({(*out / "share.1").string(), (*out / "share.3").string()}, 2);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(std::string(AsText(back->view())), secret);
}

TEST_F(ShareFilesTest, RefusesADirectoryThatExistsOrAnEmptyName) {
  for (const std::string& dir : {dir_->path().string(), std::string()}) {
    auto out = NewShareDirectory(dir);
    ASSERT_FALSE(out.ok()) << dir;
    EXPECT_EQ(out.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(out.error().message().find("does not exist yet"), std::string::npos);
  }
}

TEST_F(ShareFilesTest, RefusesFewerSharesThanTheThresholdAndOversizedFiles) {
  auto few = ReconstructFromShareFiles({Path("a").string()}, 3);
  ASSERT_FALSE(few.ok());
  EXPECT_NE(few.error().message().find("the threshold is 3"), std::string::npos);
  // More than any share holds is refused before it is decoded.
  const std::string big(2 * (shamir::kMaxSecretSize + 2), 'a');
  ASSERT_TRUE(WriteFileAtomic(Path("big"), AsBytes(std::string_view(big)), 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(Path("big2"), AsBytes(std::string_view(big)), 0600).ok());
  auto large = ReconstructFromShareFiles({Path("big").string(), Path("big2").string()}, 0);
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(large.error().message().find("cannot read a share"), std::string::npos)
      << large.error().message();
  auto missing = ReconstructFromShareFiles({Path("x").string(), Path("y").string()}, 0);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot read a share"), std::string::npos);
}

}  // namespace
}  // namespace vigil::crypto
