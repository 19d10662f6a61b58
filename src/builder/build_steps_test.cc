// The build's steps one by one, on real parts: shell commands in place of the sandbox, files
// in temporary directories, receipts from a log store of our own, the real publisher.
#include "builder/build_steps.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "crypto/file_hash.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"
#include "provenance/dsse.h"
#include "provenance/sign_request.h"
#include "tlog/store.h"

namespace vigil::builder {
namespace {

class BuildStepsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-build-steps-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }

  const fs::path& dir() const { return temp_->path(); }

  // Records what a step reports.
  Say Collect() {
    return [this](const std::string& line) {
      said_.push_back(line);
      return true;
    };
  }

  void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  // A shell script in place of the sandbox, its stderr merged as SandboxCommand's is.
  Command Shell(const std::string& script) {
    Command command{{"/bin/sh", "-c", script}};
    command.capture_stderr = true;
    return command;
  }

  std::unique_ptr<TempDir> temp_;
  std::vector<std::string> said_;
};

// A ledger of our own: a real log store, its entries written by the ledger's serializer.
class LedgerFixture {
 public:
  explicit LedgerFixture(const fs::path& dir, const std::string& origin = "example.com/ledger") {
    EXPECT_TRUE(tlog::LogStore::Init(dir, origin).ok());
    auto store = tlog::LogStore::Open(dir);
    EXPECT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
    EXPECT_TRUE(verifier.ok());
    verifier_.emplace(std::move(verifier).value());
  }

  // Logs build `id` and returns the ledger's receipt of it.
  std::string Log(const std::string& id, bool closed = true) {
    ledger::BuildEntry entry;
    entry.build_id = id;
    entry.builder = {"builder", {"x86"}};
    entry.start = "2026-12-03T10:00:00.000000Z";
    entry.end = "2026-12-03T10:01:00.000000Z";
    entry.lines = 2;
    entry.log_sha256 = std::string(64, 'd');
    entry.closed = closed;
    entry.artifacts = {{"hello.eif", crypto::FilledDigest(0xaa)}};
    const Bytes bytes = ledger::SerializeBuildEntry(entry);
    auto index = store_->AppendBatch(std::span<const Bytes>(&bytes, 1));
    EXPECT_TRUE(index.ok());
    auto receipt = store_->Receipt(*index);
    EXPECT_TRUE(receipt.ok());
    return *receipt;
  }

  const tlog::NoteVerifier& verifier() const { return *verifier_; }

 private:
  std::unique_ptr<tlog::LogStore> store_;
  std::optional<tlog::NoteVerifier> verifier_;
};

TEST_F(BuildStepsTest, FetchSaysWhatItFetchesAndWhyItRefused) {
  SourceCache sources(dir() / "sources");
  SourcePolicy policy;
  policy.repository = (dir() / "no-such-repository").string();
  policy.branch = "main";
  policy.pinned_commit = std::string(40, 'a');
  auto fetched = FetchSource(sources, policy, Collect());
  ASSERT_FALSE(fetched.ok());
  EXPECT_TRUE(fetched.error().message().starts_with("source refused: "))
      << fetched.error().message();
  EXPECT_EQ(said_,
            std::vector<std::string>{"source: fetching " + policy.repository + " (branch main)"});
}

TEST_F(BuildStepsTest, TheSandboxRunsTheComponentsCommandOrTheImageBuild) {
  BuilderConfig config;
  config.tools = "/usr/lib/vigil";
  config.max_file_bytes = 1234;
  ComponentConfig component;
  component.spec = "image.toml";
  VerifiedSource source;
  source.tree = "/trees/t1";
  source.commit_time = 1700000000;
  SandboxSpec sandbox = SandboxFor(config, component, source, "/work/b1/out");
  EXPECT_EQ(sandbox.argv, (std::vector<std::string>{"vigil", "image", "build", "image.toml",
                                                    "--out", "/out/dist"}));
  EXPECT_EQ(sandbox.source_dir, "/trees/t1");
  EXPECT_EQ(sandbox.tools_dir, "/usr/lib/vigil");
  EXPECT_EQ(sandbox.out_dir, "/work/b1/out");
  EXPECT_EQ(sandbox.max_file_size, 1234u);
  EXPECT_EQ(DescribeSandbox(sandbox),
            "build: vigil image build image.toml --out /out/dist (sandboxed: no network, "
            "read-only source, SOURCE_DATE_EPOCH=1700000000)");
  component.command = {"make", "dist"};
  EXPECT_EQ(SandboxFor(config, component, source, "/o").argv,
            (std::vector<std::string>{"make", "dist"}));
}

TEST_F(BuildStepsTest, TheSandboxsOutputIsReportedLineByLine) {
  Status ran = RunSandboxed(Shell("echo one; echo two >&2; printf 'last'"), {}, Collect());
  EXPECT_TRUE(ran.ok()) << ran.error().message();
  EXPECT_EQ(said_.back(), "last");
  EXPECT_EQ(said_.size(), 3u);
  EXPECT_NE(std::find(said_.begin(), said_.end(), "one"), said_.end());
  EXPECT_NE(std::find(said_.begin(), said_.end(), "two"), said_.end());
}

TEST_F(BuildStepsTest, EachWayTheSandboxFailsHasItsMessage) {
  auto why = [&](const Command& command, BuildLimits limits) {
    Status ran = RunSandboxed(command, limits, Collect());
    EXPECT_FALSE(ran.ok());
    return ran.ok() ? std::string() : ran.error().message();
  };
  EXPECT_EQ(why(Shell("echo x; exit 3"), {}), "the build exited with status 3");
  EXPECT_EQ(why(Shell("kill -9 $$"), {}), "the build was killed by signal 9");
  EXPECT_EQ(why(Shell("sleep 5"), {std::chrono::seconds(1), 100}),
            "the build exceeded its time limit of 1 s");
  said_.clear();
  EXPECT_EQ(why(Shell("for i in 1 2 3 4 5; do echo $i; done"), {std::chrono::seconds(60), 2}),
            "the build wrote more than 2 log lines (limit)");
  EXPECT_EQ(said_, (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(why(Command{{"vigil-test-no-such-program"}}, {})
                  .starts_with("cannot start the sandbox (bwrap): "));
}

TEST_F(BuildStepsTest, DeclaredArtifactsAreTheRegularFilesOfDistHashedHere) {
  const fs::path dist = dir() / "out" / "dist";
  Write(dist / "b.img", "bee");
  Write(dist / "a.eif", "ay");
  Write(dist / "sub" / "c", "not an artifact");
  fs::create_symlink(dist / "a.eif", dist / "link");
  auto artifacts = CollectArtifacts(dist, Collect());
  ASSERT_TRUE(artifacts.ok()) << artifacts.error().message();
  ASSERT_EQ(artifacts->size(), 2u);
  EXPECT_EQ((*artifacts)[0].name, "a.eif");
  EXPECT_EQ((*artifacts)[1].name, "b.img");
  EXPECT_EQ((*artifacts)[0].sha256, *crypto::Sha256OfFile(dist / "a.eif", 1024));
  EXPECT_EQ(said_, (std::vector<std::string>{"artifact: a.eif sha256 " + (*artifacts)[0].hex(),
                                             "artifact: b.img sha256 " + (*artifacts)[1].hex()}));
}

TEST_F(BuildStepsTest, NoArtifactsOrTooManyFailTheBuild) {
  const std::string none = "the build produced no artifacts in /out/dist";
  EXPECT_EQ(CollectArtifacts(dir() / "missing", Collect()).error().message(), none);
  fs::create_directories(dir() / "empty");
  EXPECT_EQ(CollectArtifacts(dir() / "empty", Collect()).error().message(), none);
  for (int i = 0; i <= 128; ++i) Write(dir() / "many" / std::to_string(i), "x");
  EXPECT_EQ(CollectArtifacts(dir() / "many", Collect()).error().message(), none);
}

TEST_F(BuildStepsTest, TheReceiptMustVerifyAndBeThisBuildsClosedLog) {
  LedgerFixture ledger(dir() / "log");
  (void)ledger.Log("warmup");
  const std::string receipt = ledger.Log("b1");
  auto proven = ProveLog(receipt, tlog::ReceiptVerifier(ledger.verifier()), "b1");
  ASSERT_TRUE(proven.ok()) << proven.error().message();
  EXPECT_EQ(proven->index, 1u);
  EXPECT_EQ(proven->checkpoint_size, 2u);
  EXPECT_EQ(proven->receipt, receipt);

  EXPECT_EQ(ProveLog(receipt, tlog::ReceiptVerifier(ledger.verifier()), "b2").error().message(),
            "the ledger's receipt is not for build b2");
  EXPECT_EQ(
      ProveLog(ledger.Log("b3", /*closed=*/false), tlog::ReceiptVerifier(ledger.verifier()), "b3")
          .error()
          .message(),
      "the ledger's receipt is not for build b3");
  const std::string refused =
      "the ledger's receipt for build b1 does not verify; nothing was signed or published: ";
  LedgerFixture other(dir() / "other");
  EXPECT_TRUE(ProveLog(receipt, tlog::ReceiptVerifier(other.verifier()), "b1")
                  .error()
                  .message()
                  .starts_with(refused));
  EXPECT_TRUE(ProveLog("garbage", tlog::ReceiptVerifier(ledger.verifier()), "b1")
                  .error()
                  .message()
                  .starts_with(refused));
}

TEST_F(BuildStepsTest, TheSignRequestCarriesTheReceiptAndTheDigests) {
  LedgerFixture ledger(dir() / "log");
  auto proven = ProveLog(ledger.Log("b1"), tlog::ReceiptVerifier(ledger.verifier()), "b1");
  ASSERT_TRUE(proven.ok());
  auto request = provenance::ParseSignRequest(SignRequestFor(
      *proven, {{"a", crypto::FilledDigest(0xaa)}, {"b", crypto::FilledDigest(0xbb)}}));
  ASSERT_TRUE(request.ok()) << request.error().message();
  EXPECT_EQ(request->receipt, proven->receipt);
  EXPECT_EQ(request->digests, (std::vector<crypto::Sha256Digest>{crypto::FilledDigest(0xaa),
                                                                 crypto::FilledDigest(0xbb)}));
}

TEST_F(BuildStepsTest, OnlyAnEnvelopeIsPublished) {
  provenance::DsseEnvelope envelope{
      "application/vnd.in-toto+json", Bytes{0x7b, 0x7d}, {{"SHA256:key", Bytes(64, 7)}}};
  const std::string text = provenance::SerializeEnvelope(envelope);
  auto checked = CheckSignerAnswer(text + "\n\n", "b1");
  ASSERT_TRUE(checked.ok()) << checked.error().message();
  EXPECT_EQ(checked->envelope, text);
  EXPECT_EQ(checked->key_id, "SHA256:key");
  auto refused = CheckSignerAnswer("signed!", "b1");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().message().starts_with(
      "the signer's answer for build b1 is not a DSSE envelope ("));
  EXPECT_TRUE(refused.error().message().ends_with("); nothing was published"));
}

TEST_F(BuildStepsTest, PublishingPutsTheBuildInTheTestingChannelAndAnswersItsResult) {
  LedgerFixture ledger(dir() / "log");
  auto proven =
      ProveLog(ledger.Log("hello-1"), tlog::ReceiptVerifier(ledger.verifier()), "hello-1");
  ASSERT_TRUE(proven.ok());
  const fs::path dist = dir() / "work" / "out" / "dist";
  Write(dist / "hello.eif", "image");
  auto artifacts = CollectArtifacts(dist, Collect());
  ASSERT_TRUE(artifacts.ok());
  ComponentConfig component;
  component.name = "hello";
  VerifiedSource source;
  source.commit = std::string(40, 'c');
  source.version = "v1.0";
  source.signers = {{"v1.0", "FINGERPRINT", "Maintainer <m@example.com>"}};
  const SignedProvenance provenance{"{\"envelope\":1}", "SHA256:key"};
  const Publication publication =
      PublicationFor("hello-1", component, source, *proven, provenance, *artifacts);
  EXPECT_EQ(publication.envelope, "{\"envelope\":1}\n");
  EXPECT_EQ(publication.signers, std::vector<std::string>{"FINGERPRINT"});
  EXPECT_EQ(publication.ledger_index, proven->index);

  Publisher publisher(dir() / "repo");
  auto published = publisher.Publish(publication, dist);
  ASSERT_TRUE(published.ok()) << published.error().message();
  EXPECT_TRUE(fs::exists(published->dir / "hello.eif"));
  EXPECT_TRUE(fs::exists(dir() / "repo" / "testing" / "index.json"));
  const BuildResult result = ResultFor(publication, published->dir);
  EXPECT_EQ(result, (BuildResult{"hello-1", "hello", "v1.0", std::string(40, 'c'), proven->index,
                                 published->dir.string(), "SHA256:key"}));
}

}  // namespace
}  // namespace vigil::builder
