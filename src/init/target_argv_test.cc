#include "init/target_argv.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace vigil::init {
namespace {

using namespace std::string_literals;

TEST(TargetArgv, SplitsNulTerminatedStrings) {
  auto argv = ParseTargetArgv("/bin/hello\0world\0\0x\0"s);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(*argv, (std::vector<std::string>{"/bin/hello", "world", "", "x"}));
}

TEST(TargetArgv, AcceptsProgramAlone) {
  auto argv = ParseTargetArgv("/app\0"s);
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(*argv, std::vector<std::string>{"/app"});
}

TEST(TargetArgv, RejectsEmptyFile) {
  auto argv = ParseTargetArgv("");
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.error().code(), ErrorCode::kBadInput);
}

TEST(TargetArgv, RejectsMissingFinalNul) {
  EXPECT_FALSE(ParseTargetArgv("/bin/hello").ok());
  EXPECT_FALSE(ParseTargetArgv("/bin/hello\0world"s).ok());
}

TEST(TargetArgv, RejectsRelativeOrEmptyProgram) {
  EXPECT_FALSE(ParseTargetArgv("hello\0"s).ok());
  EXPECT_FALSE(ParseTargetArgv("\0"s).ok());
  EXPECT_FALSE(ParseTargetArgv("\0/bin/hello\0"s).ok());
}

TEST(TargetArgv, ReadRejectsMissingAndOversizedFiles) {
  EXPECT_FALSE(ReadTargetArgv("/nonexistent/vigil/target").ok());
  std::string path = ::testing::TempDir() + "vigil_target_argv_big";
  std::string big = "/bin/x\0"s + std::string(image::kMaxTargetArgvBytes, 'a') + "\0"s;
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(big.data(), 1, big.size(), f);
  std::fclose(f);
  auto argv = ReadTargetArgv(path.c_str());
  std::remove(path.c_str());
  ASSERT_FALSE(argv.ok());
  EXPECT_NE(argv.error().message().find("64 KiB"), std::string::npos);
}

TEST(TargetArgv, ReadParsesFile) {
  std::string path = ::testing::TempDir() + "vigil_target_argv_ok";
  std::string data = "/bin/hello\0a b\0"s;
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(data.data(), 1, data.size(), f);
  std::fclose(f);
  auto argv = ReadTargetArgv(path.c_str());
  std::remove(path.c_str());
  ASSERT_TRUE(argv.ok());
  EXPECT_EQ(*argv, (std::vector<std::string>{"/bin/hello", "a b"}));
}

}  // namespace
}  // namespace vigil::init
