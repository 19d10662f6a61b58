#include "provenance/ledger_check.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "crypto/test_util.h"
#include "provenance/build_log_entry.h"
#include "provenance/signature_record.h"
#include "tlog/store.h"

namespace vigil::provenance {
namespace {

constexpr char kBuildId[] = "hello-20261122T100000Z-0a1b2c3d";

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string Digest(char c) { return std::string(64, c); }

Bytes BuildEntry(const std::string& status) {
  LoggedBuild build;
  build.build_id = kBuildId;
  build.builder_name = "builder";
  build.builder_tags = {"build"};
  build.start = "2026-11-22T10:00:00.000000Z";
  build.end = "2026-11-22T10:01:00.000000Z";
  build.lines = 3;
  build.log_sha256 = Digest('d');
  build.status = status;
  build.artifacts = {{"dist/hello.eif", crypto::FilledDigest(0xaa)},
                     {"SHA256SUMS", crypto::FilledDigest(0xbb)}};
  return SerializeBuildLogEntry(build);
}

// A signature record as the ledger stores it (the signer's record and its submitter).
Bytes SignatureEntry(const std::string& key_id, const std::string& envelope_sha256) {
  std::string record = SerializeSignatureRecord({kBuildId,
                                                 1,
                                                 envelope_sha256,
                                                 key_id,
                                                 "release",
                                                 {{"dist/hello.eif", crypto::FilledDigest(0xaa)}}});
  record.insert(record.find(",\"type\""),
                ",\"submitter\":{\"name\":\"signer\",\"tags\":[\"sign\"]}");
  return ToBytes(record);
}

// A ledger served from a LogStore: entry 0 filler, 1 the build, then signature records.
class LedgerCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-ledger-check-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    ASSERT_TRUE(tlog::LogStore::Init(temp_->path() / "log", "vigil.farm/ledger").ok());
    auto store = tlog::LogStore::Open(temp_->path() / "log");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto verifier = tlog::NoteVerifier::Parse(store_->verifier_key());
    ASSERT_TRUE(verifier.ok());
    verifier_.emplace(std::move(verifier).value());
    artifact_.statement.build_id = kBuildId;
    artifact_.statement.log_sha256 = Digest('d');
    artifact_.statement.ledger_origin = "vigil.farm/ledger";
    artifact_.statement.ledger_index = 1;
    artifact_.sha256 = crypto::FilledDigest(0xaa);
    artifact_.key_id = Digest('k');
    artifact_.envelope_sha256 = Digest('e');
    artifact_.canonical_sha256 = Digest('c');
  }
  void Log(const std::vector<Bytes>& records, const std::string& status = "closed") {
    std::vector<Bytes> entries = {ToBytes("filler"), BuildEntry(status)};
    entries.insert(entries.end(), records.begin(), records.end());
    ASSERT_TRUE(store_->AppendBatch(entries).ok());
  }
  tlog::TileFetcher Fetcher() const {
    return [this](const std::string& path) -> Result<Bytes> {
      if (path == "checkpoint") return ToBytes(store_->checkpoint());
      if (path == "builds/" + std::string(kBuildId) + "/signatures") return ToBytes(listing_);
      return store_->ReadTile(path);
    };
  }
  Result<LedgerProof> Check() const { return CheckLedger(Fetcher(), *verifier_, artifact_); }
  std::string Failure() const {
    auto proof = Check();
    return proof.ok() ? "(accepted)" : proof.error().message();
  }

  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<tlog::LogStore> store_;
  std::optional<tlog::NoteVerifier> verifier_;
  SignedArtifact artifact_;
  std::string listing_ = "[2,3]";
};

TEST_F(LedgerCheckTest, FindsTheBuildAndTheRecordOfTheseEnvelopeBytes) {
  Log({SignatureEntry(Digest('f'), Digest('e')), SignatureEntry(Digest('k'), Digest('e'))});
  auto proof = Check();
  ASSERT_TRUE(proof.ok()) << proof.error().message();
  EXPECT_EQ(proof->tree_size, 4u);
  EXPECT_EQ(proof->build_index, 1u);
  EXPECT_EQ(proof->record_index, 3u);  // entry 2 is another key's record
}

TEST_F(LedgerCheckTest, AnArtifactTheBuildDidNotDeclareIsRefused) {
  Log({SignatureEntry(Digest('k'), Digest('e'))});
  artifact_.sha256 = crypto::FilledDigest(0x99);
  EXPECT_EQ(Failure(),
            "ledger entry 1 does not match the provenance: it must be the closed build " +
                std::string(kBuildId) + " with this log and declaring this artifact");
}

TEST_F(LedgerCheckTest, ATruncatedBuildOrAnotherLogIsRefused) {
  Log({SignatureEntry(Digest('k'), Digest('e'))}, "truncated");
  EXPECT_NE(Failure().find("does not match the provenance"), std::string::npos);
  artifact_.statement.ledger_index = 2;  // the record, not a build entry
  EXPECT_NE(Failure().find("ledger entry 2"), std::string::npos);
}

TEST_F(LedgerCheckTest, OtherEnvelopeBytesAreNamedAndARecodedEnvelopeExplained) {
  Log({SignatureEntry(Digest('k'), Digest('0'))});
  listing_ = "[2]";
  EXPECT_NE(Failure().find("differ from what the ledger logged for build " + std::string(kBuildId) +
                           " and this key (entry 2, envelope SHA-256 " + Digest('0')),
            std::string::npos);
  artifact_.canonical_sha256 = Digest('0');
  EXPECT_NE(Failure().find("it is the logged envelope re-encoded"), std::string::npos);
}

TEST_F(LedgerCheckTest, NoRecordOfThisKeyIsRefused) {
  Log({SignatureEntry(Digest('f'), Digest('e'))});
  listing_ = "[2]";
  EXPECT_NE(Failure().find("the ledger has no signature record of this envelope"),
            std::string::npos);
  listing_ = "{}";
  EXPECT_EQ(Failure(), "the ledger's list of signature records is malformed");
  listing_ = "[9]";
  EXPECT_NE(Failure().find("entry 9 is beyond the ledger's tree"), std::string::npos);
}

TEST_F(LedgerCheckTest, TheKeyOfAnotherLedgerIsRefused) {
  Log({});
  artifact_.statement.ledger_origin = "example.com/other";
  EXPECT_EQ(Failure(),
            "the provenance names ledger 'example.com/other', but --ledger-key is the key of "
            "'vigil.farm/ledger'");
}

TEST_F(LedgerCheckTest, FetchErrorsArePassedThrough) {
  Log({SignatureEntry(Digest('k'), Digest('e'))});
  const tlog::TileFetcher base = Fetcher();
  const tlog::TileFetcher failing = [base](const std::string& path) -> Result<Bytes> {
    if (path.starts_with("tile/0/")) return Error::MissingEnv("cannot reach the ledger");
    return base(path);
  };
  auto proof = CheckLedger(failing, *verifier_, artifact_);
  ASSERT_FALSE(proof.ok());
  EXPECT_EQ(proof.error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil::provenance
