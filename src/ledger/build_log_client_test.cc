// The builder's client against the real ledger service, in process: a service host over a
// Unix socket with mutual TLS, the ledger's store, build logs and sequencer in a temporary
// directory. What the client sends is what the ledger logs, and Close() returns a receipt
// that verifies.
#include "ledger/build_log_client.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <functional>

#include "base/file.h"
#include "crypto/test_util.h"
#include "ledger/test_util.h"
#include "provenance/build_log_entry.h"
#include "tlog/receipt.h"
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
    ASSERT_NO_FATAL_FAILURE(ledger_.Start(dir()));
  }

  const fs::path& dir() const { return temp_->path(); }

  // Streams a build: `steps` runs on an open client, then Close(). Returns Close()'s result
  // (or Open()'s error).
  Result<std::string> Stream(const std::string& id,
                             const std::function<asio::awaitable<void>(BuildLogClient&)>& steps) {
    asio::io_context io;
    Result<std::string> closed = Error::Failed("not run");
    auto run = [&]() -> asio::awaitable<void> {
      auto client = co_await BuildLogClient::Open(io.get_executor(), ledger_.peer(), id);
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
  InProcessLedger ledger_;  // after temp_: stops before its directory goes
};

// The ledger's acks are read while the build goes on, not only at Close(): a long build's
// unread acks once filled the connection until neither side could write (a kernel build
// through the farm broke after minutes with "Broken pipe").
TEST_F(BuildLogClientTest, AcksAreReadAsTheyCome) {
  auto receipt = Stream("acks", [](BuildLogClient& log) -> asio::awaitable<void> {
    for (int i = 0; i < 100; ++i) EXPECT_TRUE((co_await log.Log("line")).ok());
    EXPECT_TRUE((co_await log.Sync()).ok());
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (int waited = 0; log.acked() < 100 && waited < 500; ++waited) {
      pause.expires_after(std::chrono::milliseconds(10));
      co_await pause.async_wait(asio::use_awaitable);
    }
    EXPECT_EQ(log.acked(), 100u);
  });
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
}

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
  auto verifier = tlog::NoteVerifier::Parse(ledger_.store().verifier_key());
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
