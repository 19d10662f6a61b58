#include "base/subprocess.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Subprocess, CapturesOutputAndExitCode) {
  auto r =
      vigil::Run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 7"}, .capture_stderr = true});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit.code, 7);
  EXPECT_NE(r->output.find("out"), std::string::npos);
  EXPECT_NE(r->output.find("err"), std::string::npos);
}

TEST(Subprocess, UsesExactEnvironmentWhenGiven) {
  auto r =
      vigil::Run({.argv = {"/usr/bin/env"}, .env = std::map<std::string, std::string>{{"A", "1"}}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "A=1\n");
}

TEST(Subprocess, KillsOnTimeout) {
  auto r = vigil::Run({.argv = {"sleep", "30"}}, std::chrono::milliseconds(200));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exit.timed_out);
  EXPECT_FALSE(r->exit.ok());
}

TEST(Subprocess, KillsAChildThatClosesItsOutputAndLingers) {
  auto r = vigil::Run({.argv = {"sh", "-c", "exec >/dev/null 2>&1; sleep 30"}},
                      std::chrono::milliseconds(300));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->exit.timed_out);
}

TEST(Subprocess, MissingProgramIsMissingEnvironment) {
  auto r = vigil::Run({.argv = {"vigil-no-such-program"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil
