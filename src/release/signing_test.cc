// Input checks of signing and verification that need no keys; the GnuPG round trips
// (three generated keys, thresholds, revoked and expired keys) are in tests/release_cli.sh.
#include "release/signing.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "release/gpg.h"
#include "release/threshold.h"

namespace vigil::release {
namespace {

TEST(Fingerprint, AcceptsOnlyFull40HexAndUppercases) {
  auto fpr = NormalizeFingerprint("0123456789abcdef0123456789ABCDEF01234567");
  ASSERT_TRUE(fpr.ok());
  EXPECT_EQ(*fpr, "0123456789ABCDEF0123456789ABCDEF01234567");
  for (const char* bad :
       {"", "0123456789ABCDEF", "0123456789ABCDEF0123456789ABCDEF0123456",
        "0123456789ABCDEF0123456789ABCDEF012345678", "0123 4567 89AB CDEF 0123 4567 89AB CDEF 0123",
        "G123456789ABCDEF0123456789ABCDEF01234567"}) {
    auto result = NormalizeFingerprint(bad);
    ASSERT_FALSE(result.ok()) << bad;
    EXPECT_EQ(result.error().code(), ErrorCode::kBadInput);
  }
}

TEST(SignRelease, RefusesAShortKeyIdBeforeTouchingDist) {
  auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-sign-test.");
  ASSERT_TRUE(dir.ok());
  auto written = SignRelease(dir->path(), {"ABCDEF0123456789", ""});
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code(), ErrorCode::kBadInput);
  EXPECT_FALSE(fs::exists(dir->path() / "signatures"));
}

TEST(VerifyRelease, ThresholdMustBePositive) {
  auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-verify-test.");
  ASSERT_TRUE(dir.ok());
  for (int threshold : {0, -1}) {
    auto report = VerifyRelease(dir->path(), dir->path() / "keyring", threshold);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.error().code(), ErrorCode::kBadInput);
  }
}

TEST(TemporaryGnupgHome, IsPrivateAndRemoved) {
  fs::path path;
  {
    auto home = TemporaryGnupgHome::Create();
    ASSERT_TRUE(home.ok()) << home.error().message();
    path = home->path();
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
  }
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace vigil::release
