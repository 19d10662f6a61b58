// The signer's checks against receipts from a real log store, with entries written by the
// ledger's own serializer.
#include "signer/approval.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "crypto/ed25519.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"
#include "tlog/cosignature.h"
#include "tlog/store.h"
#include "tlog/witness_policy.h"

namespace vigil::signer {
namespace {

const crypto::Sha256Digest kDigestA = crypto::FilledDigest(0xaa);
const crypto::Sha256Digest kDigestB = crypto::FilledDigest(0xbb);
const crypto::Sha256Digest kDigestC = crypto::FilledDigest(0xcc);

class ApprovalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-approval-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    ASSERT_TRUE(tlog::LogStore::Init(temp_->path() / "log", "example.com/ledger").ok());
    auto store = tlog::LogStore::Open(temp_->path() / "log");
    ASSERT_TRUE(store.ok()) << store.error().message();
    store_ = std::move(store).value();
    auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
    ASSERT_TRUE(verifier.ok());
    approver_ = std::make_unique<Approver>(
        LedgerTrust{*verifier, "example.com/ledger", std::chrono::seconds(600)});
    caller_ = {"builder", {"x86"}};
  }

  // Logs a build and returns the request a builder would send for `digests`.
  provenance::SignRequest Logged(const std::string& id, std::vector<crypto::Sha256Digest> digests,
                                 const rpc::CallIdentity& builder, bool closed = true) {
    ledger::BuildEntry entry;
    entry.build_id = id;
    entry.builder = builder;
    entry.start = "2026-11-22T10:00:00.000000Z";
    entry.end = "2026-11-22T10:01:00.000000Z";
    entry.lines = 3;
    entry.log_sha256 = std::string(64, 'd');
    entry.closed = closed;
    entry.artifacts = {{"out/kernel", crypto::FilledDigest(0xaa)},
                       {"out/initramfs", crypto::FilledDigest(0xbb)}};
    const Bytes bytes = ledger::SerializeBuildEntry(entry);
    auto index = store_->AppendBatch(std::span<const Bytes>(&bytes, 1));
    EXPECT_TRUE(index.ok());
    auto receipt = store_->Receipt(*index);
    EXPECT_TRUE(receipt.ok());
    return provenance::SignRequest{*receipt, std::move(digests)};
  }

  std::int64_t Now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<tlog::LogStore> store_;
  std::unique_ptr<Approver> approver_;
  rpc::CallIdentity caller_;
};

TEST_F(ApprovalTest, ApprovesDeclaredDigestsOfTheCallersClosedBuild) {
  Logged("warmup", {kDigestA}, caller_);
  provenance::SignRequest request = Logged("b1", {kDigestB}, caller_);
  Verdict verdict = approver_->Check(request, caller_, Now());
  ASSERT_TRUE(verdict.approved()) << verdict.check << ": " << verdict.reason;
  EXPECT_EQ(verdict.approval.build.build_id, "b1");
  EXPECT_EQ(verdict.approval.ledger_index, 1u);
  ASSERT_EQ(verdict.approval.subjects.size(), 1u);
  EXPECT_EQ(verdict.approval.subjects[0].name, "out/initramfs");
  // The tags may come in another order.
  Verdict reordered = approver_->Check(request, {"builder", {"x86"}}, Now());
  EXPECT_TRUE(reordered.approved());
}

TEST_F(ApprovalTest, RefusesAForeignOrForgedCheckpoint) {
  provenance::SignRequest request = Logged("b1", {kDigestA}, caller_);
  // Another log's key: same origin name, different key.
  ASSERT_TRUE(tlog::LogStore::Init(temp_->path() / "other", "example.com/ledger").ok());
  auto other = tlog::LogStore::Open(temp_->path() / "other");
  ASSERT_TRUE(other.ok());
  auto other_verifier = tlog::NoteVerifier::Parse((*other)->verifier_key());
  ASSERT_TRUE(other_verifier.ok());
  Approver foreign(LedgerTrust{*other_verifier, "example.com/ledger", std::chrono::seconds(600)});
  Verdict verdict = foreign.Check(request, caller_, Now());
  EXPECT_EQ(verdict.check, "checkpoint") << verdict.reason;

  // A forged checkpoint: the size changed after signing.
  provenance::SignRequest forged = request;
  const std::size_t at = forged.receipt.find("\nexample.com/ledger\n1\n");
  ASSERT_NE(at, std::string::npos);
  forged.receipt.replace(at, 22, "\nexample.com/ledger\n2\n");
  verdict = approver_->Check(forged, caller_, Now());
  EXPECT_EQ(verdict.check, "checkpoint") << verdict.reason;

  // The right key but another origin pinned.
  auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
  Approver wrong_origin(LedgerTrust{*verifier, "example.com/elsewhere", std::chrono::seconds(600)});
  verdict = wrong_origin.Check(request, caller_, Now());
  EXPECT_EQ(verdict.check, "checkpoint") << verdict.reason;
}

// With a witness policy, a receipt whose checkpoint the witnesses did not cosign is refused
// at the checkpoint check, and the same build is approved once it is cosigned.
TEST_F(ApprovalTest, WithAWitnessPolicyTheCheckpointMustBeCosigned) {
  const tlog::Cosigner witness =
      tlog::Cosigner::Create("w1.example", crypto::Ed25519GenerateSeed().value()).value();
  auto policy = tlog::ParseWitnessPolicy("witness w1.example " + witness.VerifierKey() +
                                         "\nquorum w1.example\n");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  LedgerTrust trust{approver_->trust().verifier, "example.com/ledger", std::chrono::seconds(600)};
  trust.witnesses = *policy;
  Approver witnessed(trust);
  provenance::SignRequest uncosigned = Logged("b1", {kDigestA}, caller_);
  Verdict refused = witnessed.Check(uncosigned, caller_, Now());
  EXPECT_EQ(refused.check, "checkpoint");
  EXPECT_NE(refused.reason.find("witness policy not met"), std::string::npos) << refused.reason;

  store_->SetCosigning([&witness](const std::string& note, std::uint64_t,
                                  const tlog::ConsistencyProver&) -> Result<std::string> {
    return note + witness.Cosign(tlog::SplitSignedNote(note).value().text, 1700000000).value();
  });
  provenance::SignRequest cosigned = Logged("b2", {kDigestA}, caller_);
  Verdict approved = witnessed.Check(cosigned, caller_, Now());
  EXPECT_TRUE(approved.approved()) << approved.check << ": " << approved.reason;
}

TEST_F(ApprovalTest, RefusesAnEntryThatIsNotInTheTree) {
  Logged("b0", {kDigestA}, caller_);
  provenance::SignRequest request = Logged("b1", {kDigestA}, caller_);
  // Point the receipt at another index: the proof no longer leads to the root.
  const std::size_t at = request.receipt.find("\nindex 1\n");
  ASSERT_NE(at, std::string::npos);
  request.receipt.replace(at, 9, "\nindex 0\n");
  Verdict verdict = approver_->Check(request, caller_, Now());
  EXPECT_EQ(verdict.check, "inclusion") << verdict.reason;
}

TEST_F(ApprovalTest, RefusesATruncatedBuildAnotherBuilderAndUndeclaredDigests) {
  Verdict truncated =
      approver_->Check(Logged("t", {kDigestA}, caller_, /*closed=*/false), caller_, Now());
  EXPECT_EQ(truncated.check, "entry");
  EXPECT_NE(truncated.reason.find("truncated"), std::string::npos);

  Verdict other = approver_->Check(Logged("o", {kDigestA}, {"builder2", {"x86"}}), caller_, Now());
  EXPECT_EQ(other.check, "builder");
  Verdict other_tags = approver_->Check(Logged("p", {kDigestA}, {"builder", {}}), caller_, Now());
  EXPECT_EQ(other_tags.check, "builder");

  Verdict undeclared = approver_->Check(Logged("u", {kDigestA, kDigestC}, caller_), caller_, Now());
  EXPECT_EQ(undeclared.check, "digests");
  EXPECT_NE(undeclared.reason.find(crypto::Sha256Hex(kDigestC)), std::string::npos);
}

TEST_F(ApprovalTest, RefusesAReceiptOfAnotherRecordType) {
  const std::string record = R"({"submitter":{"name":"x","tags":[]},"type":"note"})";
  const Bytes bytes(record.begin(), record.end());
  auto index = store_->AppendBatch(std::span<const Bytes>(&bytes, 1));
  ASSERT_TRUE(index.ok());
  auto receipt = store_->Receipt(*index);
  ASSERT_TRUE(receipt.ok());
  Verdict verdict = approver_->Check(provenance::SignRequest{*receipt, {kDigestA}}, caller_, Now());
  EXPECT_EQ(verdict.check, "entry");
}

TEST_F(ApprovalTest, RefusesStaleAndFutureCheckpoints) {
  provenance::SignRequest request = Logged("b1", {kDigestA}, caller_);
  EXPECT_TRUE(approver_->Check(request, caller_, Now() + 590).approved());
  Verdict stale = approver_->Check(request, caller_, Now() + 700);
  EXPECT_EQ(stale.check, "freshness");
  EXPECT_NE(stale.reason.find("old"), std::string::npos);
  Verdict future = approver_->Check(request, caller_, Now() - 120);
  EXPECT_EQ(future.check, "freshness");
}

TEST_F(ApprovalTest, RefusesMalformedReceipts) {
  Verdict verdict =
      approver_->Check(provenance::SignRequest{"not a receipt", {kDigestA}}, caller_, Now());
  EXPECT_EQ(verdict.check, "receipt");
}

}  // namespace
}  // namespace vigil::signer
