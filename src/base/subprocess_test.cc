#include "base/subprocess.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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

TEST(Subprocess, WatchedKeepsStderrApart) {
  std::string out, err;
  auto r = vigil::RunWatched(
      {.argv = {"sh", "-c", "echo out; echo err >&2"}, .separate_stderr = true},
      std::chrono::seconds(10), {.on_output = [&](Stream stream, std::string_view chunk) {
        (stream == Stream::kStdout ? out : err).append(chunk);
        return true;
      }});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(out, "out\n");
  EXPECT_EQ(err, "err\n");
}

TEST(Subprocess, WatchedTickStopsASilentChild) {
  int ticks = 0;
  auto r = vigil::RunWatched({.argv = {"sleep", "30"}}, std::chrono::seconds(30),
                             {.on_output = [](Stream, std::string_view) { return true; },
                              .on_tick = [&] { return ++ticks < 3; },
                              .tick = std::chrono::milliseconds(20)});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stopped);
  EXPECT_FALSE(r->timed_out);
  EXPECT_EQ(ticks, 3);
}

TEST(Subprocess, WatchedOutputCanStopTheChild) {
  auto r = vigil::RunWatched(
      {.argv = {"sh", "-c", "echo stop >&2; sleep 30"}, .separate_stderr = true},
      std::chrono::seconds(30),
      {.on_output = [](Stream stream, std::string_view) { return stream != Stream::kStderr; }});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->stopped);
}

TEST(Subprocess, DetachedAppendsBothStreamsAndLeadsItsSession) {
  const std::filesystem::path out =
      std::filesystem::temp_directory_path() / ("vigil-detached-" + std::to_string(::getpid()));
  std::ofstream(out) << "earlier\n";
  auto pid = vigil::StartDetached(
      {.argv = {"sh", "-c", "echo out; echo err >&2; [ \"$(ps -o sid= $$)\" -eq $$ ]"}}, out);
  ASSERT_TRUE(pid.ok());
  int status = 0;
  ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "not the leader of its own session";
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  EXPECT_EQ(text.str(), "earlier\nout\nerr\n");
  std::filesystem::remove(out);
}

TEST(Subprocess, DetachedExecFailureIsExit127) {
  auto pid = vigil::StartDetached({.argv = {"/nonexistent/program"}}, "/dev/null");
  ASSERT_TRUE(pid.ok());
  int status = 0;
  ASSERT_EQ(::waitpid(*pid, &status, 0), *pid);
  EXPECT_EQ(WEXITSTATUS(status), 127);
}

}  // namespace
}  // namespace vigil
