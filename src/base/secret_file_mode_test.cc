#include "base/secret_file_mode.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "base/file.h"

namespace vigil {
namespace {

TEST(SecretFileMode, AllowsOwnerAndOwnGroupReadOnly) {
  auto dir = TempDir::Create(fs::temp_directory_path(), "secret-mode-");
  ASSERT_TRUE(dir.ok());
  fs::path key = dir->path() / "key";
  std::ofstream(key) << "secret";
  ASSERT_EQ(::chown(key.c_str(), ::geteuid(), ::getegid()), 0);
  for (mode_t mode : {0600, 0400, 0640, 0440}) {
    ::chmod(key.c_str(), mode);
    EXPECT_TRUE(CheckSecretFileMode(key).ok()) << std::oct << mode;
  }
  for (mode_t mode : {0644, 0604, 0601, 0660, 0620, 0666}) {
    ::chmod(key.c_str(), mode);
    auto checked = CheckSecretFileMode(key);
    ASSERT_FALSE(checked.ok()) << std::oct << mode;
    EXPECT_EQ(checked.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(checked.error().message().find("chmod 600"), std::string::npos);
  }
  // A symlink is judged by its target.
  ::chmod(key.c_str(), 0644);
  fs::create_symlink(key, dir->path() / "link");
  EXPECT_FALSE(CheckSecretFileMode(dir->path() / "link").ok());
  EXPECT_TRUE(CheckSecretFileMode(dir->path() / "missing").ok());
}

}  // namespace
}  // namespace vigil
