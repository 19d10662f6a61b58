// The builder's client against the real ledger service, in process: a service host over a
// Unix socket with mutual TLS, the ledger's store, build logs and sequencer in a temporary
// directory. What the client sends is what the ledger logs, and Close() returns a receipt
// that verifies.
#include "ledger/build_log_client.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <fstream>
#include <functional>
#include <thread>

#include "base/file.h"
#include "crypto/test_util.h"
#include "ledger/build_logs.h"
#include "ledger/ledger_service.h"
#include "provenance/build_record.h"
#include "rpc/ca.h"
#include "rpc/service_host.h"
#include "tlog/receipt.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace vigil::ledger {
namespace {

const crypto::Sha256Digest kSha = crypto::FilledDigest(0xaa);

class BuildLogClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-build-log-client-test.");
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
    auto store = tlog::LogStore::Open(dir() / "log", LabelEntry);
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
    auto logs = BuildLogs::Open(dir() / "log");
    ASSERT_TRUE(logs.ok()) << logs.error().message();
    logs_ = std::move(logs).value();
    sequencer_ = std::make_unique<tlog::Sequencer>(*store_);
    service_ = std::make_unique<LedgerService>(*store_, *sequencer_, *logs_);

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
    auto listening = host_->Listen(*rpc::ParseAddress(address));
    ASSERT_TRUE(listening.ok()) << listening.error().message();
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

  // Streams a build: `steps` runs on an open client, then Close(). Returns Close()'s result
  // (or Open()'s error).
  Result<std::string> Stream(const std::string& id,
                             const std::function<asio::awaitable<void>(BuildLogClient&)>& steps) {
    asio::io_context io;
    Result<std::string> closed = Error::Failed("not run");
    auto run = [&]() -> asio::awaitable<void> {
      auto client = co_await BuildLogClient::Open(io.get_executor(), peer_, id);
      if (!client.ok()) {
        closed = client.error();
        co_return;
      }
      co_await steps(**client);
      closed = co_await (*client)->Close();
    };
    asio::co_spawn(io, run(), asio::detached);
    io.run();
    return closed;
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<tlog::LogStore> store_;
  std::unique_ptr<BuildLogs> logs_;
  std::unique_ptr<tlog::Sequencer> sequencer_;
  std::unique_ptr<LedgerService> service_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::thread thread_;
  rpc::Peer peer_;
};

TEST_F(BuildLogClientTest, ClosingALogReturnsAReceiptOfIt) {
  auto receipt = Stream("b1", [](BuildLogClient& log) -> asio::awaitable<void> {
    EXPECT_TRUE((co_await log.Log("compiling")).ok());
    EXPECT_TRUE((co_await log.Sync()).ok());
    EXPECT_TRUE((co_await log.Log("linking")).ok());
    const Artifact artifact{"dist/hello.eif", kSha};
    EXPECT_TRUE((co_await log.Declare(artifact)).ok());
  });
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  auto parsed = tlog::ParseReceipt(*receipt);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(tlog::VerifyReceipt(*parsed, *verifier, "example.com/ledger").ok());
  auto entry = provenance::ParseBuildLogEntry(*parsed->extra);
  ASSERT_TRUE(entry.ok()) << entry.error().message();
  EXPECT_EQ(entry->build_id, "b1");
  EXPECT_EQ(entry->status, "closed");
  EXPECT_EQ(entry->builder_name, "builder");
  EXPECT_EQ(entry->lines, 2u);
  ASSERT_EQ(entry->artifacts.size(), 1u);
  EXPECT_EQ(entry->artifacts[0].name, "dist/hello.eif");
}

TEST_F(BuildLogClientTest, TheLedgersRefusalIsFailedWithItsMessage) {
  auto refused = Stream("b2", [](BuildLogClient& log) -> asio::awaitable<void> {
    const Artifact artifact{"hello.eif", kSha};
    EXPECT_TRUE((co_await log.Declare(artifact)).ok());
    EXPECT_TRUE((co_await log.Declare(artifact)).ok());  // refused by the ledger, not here
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailed);
  EXPECT_EQ(refused.error().message(), "artifact hello.eif declared twice");
}

TEST_F(BuildLogClientTest, ABuildIdIsUsedOnce) {
  auto nothing = [](BuildLogClient&) -> asio::awaitable<void> { co_return; };
  ASSERT_TRUE(Stream("b3", nothing).ok());
  auto again = Stream("b3", nothing);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("build ids are used once"), std::string::npos)
      << again.error().message();
}

}  // namespace
}  // namespace vigil::ledger
