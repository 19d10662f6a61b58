#include "rpc/call_pipe.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"
#include "base/unique_fd.h"
#include "rpc/ca.h"
#include "rpc/service_host.h"

namespace vigil::rpc {
namespace {

// An echo service and a failing one behind a host of the test's own CA.
class CallPipeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-call-pipe-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    const fs::path ca = temp_->path() / "ca";
    ASSERT_TRUE(InitCa(ca, 30).ok());
    ASSERT_TRUE(IssueCertificate(ca, "service", {}, 30).ok());
    ASSERT_TRUE(IssueCertificate(ca, "caller", {}, 30).ok());
    fs::create_directory(temp_->path() / "policy");
    ASSERT_TRUE(
        WriteFileAtomic(temp_->path() / "policy" / "10.policy", AsBytes("* * @any @any allow\n"))
            .ok());
    ServiceHostOptions options;
    options.tls = {ca / "service.crt", ca / "service.key", ca / "ca.crt"};
    options.policy_dir = temp_->path() / "policy";
    options.handle_signals = false;
    auto host = ServiceHost::Create(options);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    host_->Register("test.Echo", [](Call& call) -> asio::awaitable<Status> {
      while (true) {
        VIGIL_CO_ASSIGN_OR_RETURN(auto data, co_await call.Read());
        if (!data) co_return OkStatus();
        VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*data));
      }
    });
    host_->Register("test.Fail", [](Call&) -> asio::awaitable<Status> {
      co_return Error::BadInput("not today");
    });
    auto address = host_->Listen(*ParseAddress("unix:" + (temp_->path() / "s.sock").string()));
    ASSERT_TRUE(address.ok()) << address.error().message();
    thread_ = std::thread([this] { (void)host_->Run(); });
    auto peer = MakePeer("unix:" + (temp_->path() / "s.sock").string(),
                         {ca / "caller.crt", ca / "caller.key", ca / "ca.crt"}, "service");
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    peer_ = std::move(*peer);
  }
  void TearDown() override {
    if (!host_) return;
    host_->Stop();
    thread_.join();
  }
  // The call with `input` on a pipe; what it wrote is in `output`.
  Result<CallEvent> Pipe(const std::string& service, const std::string& input,
                         std::string& output) {
    int in[2], out[2];
    EXPECT_EQ(::pipe2(in, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    UniqueFd in_read(in[0]), out_read(out[0]), out_write(out[1]);
    std::thread writer([fd = in[1], input] {
      (void)!::write(fd, input.data(), input.size());
      ::close(fd);
    });
    std::thread reader([fd = out_read.get(), &output] {
      char buffer[4096];
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0) output.append(buffer, n);
    });
    auto exit = PipeCall(peer_, *ParseCallRequest(service), in_read.get(), out_write.get());
    out_write = UniqueFd(-1);  // the reader sees the end
    writer.join();
    reader.join();
    return exit;
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<ServiceHost> host_;
  std::thread thread_;
  Peer peer_;
};

TEST_F(CallPipeTest, InputGoesToTheServiceAndItsOutputComesBack) {
  std::string output;
  const std::string input(300 * 1024, 'x');  // several chunks
  auto exit = Pipe("test.Echo", input, output);
  ASSERT_TRUE(exit.ok()) << exit.error().message();
  EXPECT_EQ(exit->kind, CallEvent::Kind::kExit);
  EXPECT_EQ(exit->exit_code, 0);
  EXPECT_EQ(output, input);
}

TEST_F(CallPipeTest, TheServicesFailureIsItsExit) {
  std::string output;
  auto exit = Pipe("test.Fail", "ignored", output);
  ASSERT_TRUE(exit.ok()) << exit.error().message();
  EXPECT_NE(exit->exit_code, 0);
  EXPECT_EQ(exit->message, "not today");
  EXPECT_EQ(output, "");
}

TEST_F(CallPipeTest, AnOutputThatCannotBeWrittenFailsTheCall) {
  ::signal(SIGPIPE, SIG_IGN);
  int in[2], out[2];
  ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
  UniqueFd in_read(in[0]), out_write(out[1]);
  ::close(out[0]);  // nobody reads the output
  std::thread writer([fd = in[1]] {
    (void)!::write(fd, "hello", 5);
    ::close(fd);
  });
  auto exit = PipeCall(peer_, *ParseCallRequest("test.Echo"), in_read.get(), out_write.get());
  writer.join();
  ASSERT_FALSE(exit.ok());
  EXPECT_NE(exit.error().message().find("writing the call's output failed"), std::string::npos);
}

TEST_F(CallPipeTest, AServiceNobodyServesIsAnError) {
  host_->Stop();
  thread_.join();
  host_.reset();
  std::string output;
  auto exit = Pipe("test.Echo", "hello", output);
  ASSERT_FALSE(exit.ok());
  EXPECT_EQ(exit.error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil::rpc
