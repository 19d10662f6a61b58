// The close-and-prove step against the real ledger service in process (mutual TLS over a
// Unix socket, a real store): what the ledger logs for a build that succeeded or failed, and
// the error for each way it ends.
#include "builder/close_and_prove.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fstream>
#include <thread>

#include "base/file.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"
#include "ledger/build_logs.h"
#include "ledger/ledger_service.h"
#include "provenance/build_record.h"
#include "rpc/ca.h"
#include "rpc/service_host.h"
#include "tlog/receipt.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace vigil::builder {
namespace {

const crypto::Sha256Digest kSha = crypto::FilledDigest(0xaa);

class CloseAndProveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-close-and-prove-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    const fs::path ca = dir() / "ca";
    ASSERT_TRUE(rpc::InitCa(ca, 1).ok());
    ASSERT_TRUE(rpc::IssueCertificate(ca, "ledger", {"log"}, 1).ok());
    ASSERT_TRUE(rpc::IssueCertificate(ca, "builder", {"build"}, 1).ok());
    fs::create_directories(dir() / "policy");
    std::ofstream(dir() / "policy" / "10-ledger.policy")
        << "vigil.BuildLog * @tag:build @any allow\n";
    ASSERT_TRUE(tlog::LogStore::Init(dir() / "log", "example.com/ledger").ok());
    auto store = tlog::LogStore::Open(dir() / "log", ledger::LabelEntry);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
    auto logs = ledger::BuildLogs::Open(dir() / "log");
    ASSERT_TRUE(logs.ok()) << logs.error().message();
    logs_ = std::move(logs).value();
    sequencer_ = std::make_unique<tlog::Sequencer>(*store_);
    service_ = std::make_unique<ledger::LedgerService>(*store_, *sequencer_, *logs_);
    auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
    ASSERT_TRUE(verifier.ok());
    verifier_.emplace(std::move(verifier).value());

    rpc::ServiceHostOptions options;
    options.tls = {ca / "ledger.crt", ca / "ledger.key", ca / "ca.crt"};
    options.policy_dir = dir() / "policy";
    options.audit_log = dir() / "audit.log";
    options.handle_signals = false;
    auto host = rpc::ServiceHost::Create(options);
    ASSERT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(host).value();
    service_->RegisterWith(*host_);
    const std::string address = "unix:" + (dir() / "ledger.sock").string();
    ASSERT_TRUE(host_->Listen(*rpc::ParseAddress(address)).ok());
    thread_ = std::thread([this] { (void)host_->Run(); });
    auto peer =
        rpc::MakePeer(address, {ca / "builder.crt", ca / "builder.key", ca / "ca.crt"}, "ledger");
    ASSERT_TRUE(peer.ok()) << peer.error().message();
    peer_ = std::move(peer).value();
  }

  void TearDown() override {
    if (host_) {
      host_->Stop();
      thread_.join();
    }
    if (sequencer_) sequencer_->Stop();
  }

  const fs::path& dir() const { return temp_->path(); }

  // Opens the log of `id`, logs one line and runs the step.
  Result<ProvenLog> CloseBuild(const std::string& id, const Status& built,
                               const std::vector<PublishedArtifact>& artifacts) {
    asio::io_context io;
    Result<ProvenLog> proven = Error::Failed("not run");
    auto run = [&]() -> asio::awaitable<void> {
      auto log = co_await ledger::BuildLogClient::Open(io.get_executor(), peer_, id);
      if (!log.ok()) {
        proven = log.error();
        co_return;
      }
      EXPECT_TRUE((co_await (*log)->Log("compiling")).ok());
      proven = co_await CloseAndProve(**log, built, artifacts, id, *verifier_);
    };
    asio::co_spawn(io, run(), asio::detached);
    io.run();
    return proven;
  }

  // The build-log entry the ledger wrote for `id`.
  provenance::LoggedBuild Logged(const std::string& id) {
    auto found = store_->FindByLabel({"build-log", id});
    EXPECT_TRUE(found.ok() && found->size() == 1u);
    auto receipt = store_->Receipt(found->front());
    EXPECT_TRUE(receipt.ok());
    auto parsed = tlog::ParseReceipt(*receipt);
    EXPECT_TRUE(parsed.ok());
    auto entry = provenance::ParseBuildLogEntry(*parsed->extra);
    EXPECT_TRUE(entry.ok());
    return *entry;
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<tlog::LogStore> store_;
  std::unique_ptr<ledger::BuildLogs> logs_;
  std::unique_ptr<tlog::Sequencer> sequencer_;
  std::unique_ptr<ledger::LedgerService> service_;
  std::optional<tlog::ReceiptVerifier> verifier_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::thread thread_;
  rpc::Peer peer_;
};

TEST_F(CloseAndProveTest, ABuiltLogIsClosedWithItsArtifactsAndProven) {
  auto proven = CloseBuild("b1", OkStatus(), {{"hello.eif", kSha}});
  ASSERT_TRUE(proven.ok()) << proven.error().message();
  EXPECT_EQ(proven->index, 0u);
  EXPECT_EQ(proven->checkpoint_size, 1u);
  const provenance::LoggedBuild entry = Logged("b1");
  EXPECT_EQ(entry.status, "closed");
  EXPECT_EQ(entry.lines, 1u);
  ASSERT_EQ(entry.artifacts.size(), 1u);
  EXPECT_EQ(entry.artifacts[0].name, "hello.eif");
}

TEST_F(CloseAndProveTest, AFailedBuildIsLoggedClosedWithoutArtifactsAndFails) {
  auto proven =
      CloseBuild("b2", Error::Failed("the build exited with status 2"), {{"hello.eif", kSha}});
  ASSERT_FALSE(proven.ok());
  EXPECT_EQ(proven.error().message(),
            "build b2 failed; nothing was signed or published: the build exited with status 2");
  const provenance::LoggedBuild entry = Logged("b2");
  EXPECT_EQ(entry.status, "closed");
  EXPECT_TRUE(entry.artifacts.empty());
}

TEST_F(CloseAndProveTest, ALogTheLedgerRefusedIsNotSigned) {
  auto proven = CloseBuild("b3", OkStatus(), {{"hello.eif", kSha}, {"hello.eif", kSha}});
  ASSERT_FALSE(proven.ok());
  EXPECT_EQ(proven.error().message(),
            "the ledger did not close the log of build b3 (artifact hello.eif declared twice); "
            "nothing was signed or published");
  EXPECT_EQ(Logged("b3").status, "truncated");
}

}  // namespace
}  // namespace vigil::builder
