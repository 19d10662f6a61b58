// The close-and-prove step against the real ledger service in process (mutual TLS over a
// Unix socket, a real store): what the ledger logs for a build that succeeded or failed, and
// the error for each way it ends.
#include "builder/close_and_prove.h"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>

#include "base/file.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"
#include "ledger/test_util.h"
#include "provenance/build_log_entry.h"
#include "tlog/receipt.h"
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
    ASSERT_NO_FATAL_FAILURE(ledger_.Start(dir()));
    auto verifier = tlog::NoteVerifier::Parse(ledger_.store().verifier_key());
    ASSERT_TRUE(verifier.ok());
    verifier_.emplace(std::move(verifier).value());
  }

  const fs::path& dir() const { return temp_->path(); }

  // Opens the log of `id`, logs one line and runs the step.
  Result<ProvenLog> CloseBuild(const std::string& id, const Status& built,
                               const std::vector<PublishedArtifact>& artifacts) {
    asio::io_context io;
    Result<ProvenLog> proven = Error::Failed("not run");
    auto run = [&]() -> asio::awaitable<void> {
      auto log = co_await ledger::BuildLogClient::Open(io.get_executor(), ledger_.peer(), id);
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
    auto found = ledger_.store().FindByLabel({"build-log", id});
    EXPECT_TRUE(found.ok() && found->size() == 1u);
    auto receipt = ledger_.store().Receipt(found->front());
    EXPECT_TRUE(receipt.ok());
    auto parsed = tlog::ParseReceipt(*receipt);
    EXPECT_TRUE(parsed.ok());
    auto entry = provenance::ParseBuildLogEntry(*parsed->extra);
    EXPECT_TRUE(entry.ok());
    return *entry;
  }

  std::unique_ptr<TempDir> temp_;
  ledger::InProcessLedger ledger_;  // after temp_: stops before its directory goes
  std::optional<tlog::ReceiptVerifier> verifier_;
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
