// The witness (C2SP tlog-witness) against a real log: trees grown with the ledger's own
// CompactRange, checkpoints signed with its note keys, consistency proofs from its prover.
// Each answer the spec names has a case; cosignatures are checked with Ed25519 directly.
#include "witness/witness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "base/base64.h"
#include "base/file.h"
#include "crypto/ed25519.h"
#include "tlog/checkpoint.h"
#include "tlog/prove.h"

namespace vigil::witness {
namespace {

using tlog::CosignatureKeyId;
using tlog::CosignedMessage;
using tlog::Cosigner;

constexpr std::string_view kOrigin = "example.com/log";

// A log of numbered leaves: its checkpoints and proofs.
class TestLog {
 public:
  explicit TestLog(std::string_view name = "example.com/log")
      : signer_(tlog::NoteSigner::Create(name).value()) {}
  void Grow(std::uint64_t size) {
    while (range_.size() < size) {
      range_.Append(tlog::LeafHash(AsBytes(std::to_string(range_.size()))),
                    [this](int level, std::uint64_t index, const tlog::Hash& hash) {
                      hashes_[{level, index}] = hash;
                    });
    }
  }
  std::string Checkpoint(std::string_view origin = kOrigin) const {
    tlog::Checkpoint checkpoint{
        .origin = std::string(origin), .size = range_.size(), .root = range_.Root()};
    return signer_.Sign(tlog::FormatCheckpointText(checkpoint)).value();
  }
  std::string Proof(std::uint64_t from) const {
    if (from == 0 || from == range_.size()) return "";
    auto proof = tlog::ConsistencyProof(
        from, range_.size(), [this](int level, std::uint64_t index) -> Result<tlog::Hash> {
          return hashes_.at({level, index});
        });
    std::string out;
    for (const tlog::Hash& hash : proof.value()) out += Base64Encode(hash) + "\n";
    return out;
  }
  std::string Request(std::uint64_t old, std::string proof = "") const {
    return "old " + std::to_string(old) + "\n" + proof + "\n" + Checkpoint();
  }
  std::string Add(std::uint64_t old) const { return Request(old, Proof(old)); }
  const tlog::NoteSigner& signer() const { return signer_; }

 private:
  tlog::NoteSigner signer_;
  tlog::CompactRange range_;
  std::map<std::pair<int, std::uint64_t>, tlog::Hash> hashes_;
};

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>(
        TempDir::Create(fs::temp_directory_path(), "vigil-witness-test-").value());
    seed_ = crypto::Ed25519GenerateSeed().value();
    witness_ = Open();
  }
  std::unique_ptr<Witness> Open() {
    return Witness::Open(Cosigner::Create("witness.example", seed_.Clone()).value(),
                         {{std::string(kOrigin), log_.signer().verifier()}}, dir_->path(),
                         [] { return std::uint64_t{1700000000}; })
        .value();
  }
  // The cosignature line verifies over "cosignature/v1\ntime T\n" and the checkpoint text.
  void ExpectCosigned(const WitnessAnswer& answer) {
    ASSERT_EQ(answer.status, 200) << answer.body;
    const std::string prefix = "\u2014 witness.example ";
    ASSERT_TRUE(answer.body.starts_with(prefix)) << answer.body;
    const Bytes blob =
        Base64Decode(std::string_view(answer.body)
                         .substr(prefix.size(), answer.body.size() - prefix.size() - 1))
            .value();
    ASSERT_EQ(blob.size(), 4u + 8u + 64u);
    const auto key = crypto::Ed25519PublicKey(seed_).value();
    EXPECT_EQ((std::uint32_t{blob[0]} << 24 | std::uint32_t{blob[1]} << 16 |
               std::uint32_t{blob[2]} << 8 | blob[3]),
              CosignatureKeyId("witness.example", key));
    std::uint64_t time = 0;
    for (int i = 4; i < 12; ++i) time = time << 8 | blob[i];
    EXPECT_EQ(time, 1700000000u);
    const std::string note = log_.Checkpoint();
    const std::string text = note.substr(0, note.find("\n\n") + 1);
    EXPECT_TRUE(crypto::Ed25519Verify(key, AsBytes(CosignedMessage(text, time)),
                                      ByteView(blob).subspan(12)));
  }

  std::unique_ptr<TempDir> dir_;
  crypto::SecretBytes seed_;
  TestLog log_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsAGrowingLogAndRemembersItAcrossRestarts) {
  log_.Grow(5);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(0)));
  log_.Grow(13);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(5)));
  // The same checkpoint again: cosigned again.
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(13)));
  witness_ = Open();  // a restart reads the kept state
  EXPECT_EQ(witness_->Load(kOrigin).value().size, 13u);
  log_.Grow(64);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(13)));
  EXPECT_TRUE(witness_->cosigner().VerifierKey().starts_with("witness.example+"));
}

TEST_F(WitnessTest, AStaleOldSizeIsAnsweredWithTheSizeHeld) {
  log_.Grow(8);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(0)));
  log_.Grow(9);
  const WitnessAnswer answer = witness_->AddCheckpoint(log_.Add(3));
  EXPECT_EQ(answer.status, 409);
  EXPECT_EQ(answer.body, "8\n");
  EXPECT_EQ(answer.content_type, kSizeContentType);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(8)));  // proved again from 8
}

TEST_F(WitnessTest, RefusesWhatTheSpecRefuses) {
  log_.Grow(6);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(0)));
  log_.Grow(10);
  // 404: another log.
  TestLog other("other.example/log");
  other.Grow(2);
  EXPECT_EQ(witness_->AddCheckpoint("old 0\n\n" + other.Checkpoint("other.example/log")).status,
            404);
  // 403: this origin, signed by another key.
  EXPECT_EQ(witness_->AddCheckpoint("old 6\n" + log_.Proof(6) + "\n" + other.Checkpoint()).status,
            403);
  // 400: old beyond the checkpoint, malformed requests.
  EXPECT_EQ(witness_->AddCheckpoint(log_.Request(11)).status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old x\n\n" + log_.Checkpoint()).status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old 6\nnot base64\n\n" + log_.Checkpoint()).status, 400);
  EXPECT_EQ(witness_->AddCheckpoint("old 6\n" + log_.Proof(6)).status, 400);
  // 422: a proof that does not hold, and a proof with old 0.
  std::string wrong = log_.Proof(6);
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  EXPECT_EQ(witness_->AddCheckpoint(log_.Request(6, wrong)).status, 422);
  EXPECT_EQ(witness_->AddCheckpoint(log_.Request(0, log_.Proof(6))).status, 409);
  // Nothing refused moved the witness.
  EXPECT_EQ(witness_->Load(kOrigin).value().size, 6u);
}

TEST_F(WitnessTest, AForkIsRefused) {
  log_.Grow(4);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(0)));
  // Another history of the same size under the same key: another root.
  tlog::Checkpoint other{
      .origin = std::string(kOrigin), .size = 4, .root = tlog::LeafHash(AsBytes("forked"))};
  const std::string note = log_.signer().Sign(tlog::FormatCheckpointText(other)).value();
  const WitnessAnswer answer = witness_->AddCheckpoint("old 4\n\n" + note);
  EXPECT_EQ(answer.status, 422) << answer.body;
  // A fresh witness: an empty tree must have the empty root, and no proof from 0.
  tlog::Checkpoint empty{.origin = std::string(kOrigin), .size = 0, .root = other.root};
  auto fresh = Witness::Open(Cosigner::Create("w2", seed_.Clone()).value(),
                             {{std::string(kOrigin), log_.signer().verifier()}},
                             dir_->path() / "w2", [] { return std::uint64_t{1}; })
                   .value();
  EXPECT_EQ(fresh
                ->AddCheckpoint("old 0\n\n" +
                                log_.signer().Sign(tlog::FormatCheckpointText(empty)).value())
                .status,
            422);
  EXPECT_EQ(fresh->AddCheckpoint(log_.Request(0, log_.Proof(2))).status, 422);
}

TEST_F(WitnessTest, ConcurrentRequestsNeverRollTheWitnessBack) {
  log_.Grow(1);
  ExpectCosigned(witness_->AddCheckpoint(log_.Add(0)));
  std::vector<std::string> requests;
  for (std::uint64_t size = 2; size <= 40; ++size) {
    const std::uint64_t before = size - 1;
    log_.Grow(size);
    requests.push_back(log_.Add(before));
  }
  std::vector<std::thread> threads;
  std::atomic<int> cosigned{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 40; ++round) {
        for (const std::string& request : requests) {
          if (witness_->AddCheckpoint(request).status == 200) ++cosigned;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(witness_->Load(kOrigin).value().size, 40u);
  EXPECT_GE(cosigned.load(), 39);
}

TEST(CosignerTest, KeyTextsRoundTripForAnyKey) {
  // Enough keys that some base64 texts hold '+', which also separates the text's fields.
  for (int i = 0; i < 64; ++i) {
    Cosigner cosigner =
        Cosigner::Create("witness.example", crypto::Ed25519GenerateSeed().value()).value();
    const crypto::SecretBytes text = cosigner.PrivateKeyText();
    auto back = Cosigner::FromText(AsText(text.view()));
    ASSERT_TRUE(back.ok()) << back.error().message();
    EXPECT_EQ(back->VerifierKey(), cosigner.VerifierKey());
  }
  Cosigner cosigner =
      Cosigner::Create("witness.example", crypto::Ed25519GenerateSeed().value()).value();
  std::string text(AsText(cosigner.PrivateKeyText().view()));
  const auto id = text.find('+', std::string_view("PRIVATE+KEY+witness.example").size()) + 1;
  text[id] = text[id] == '0' ? '1' : '0';
  EXPECT_FALSE(Cosigner::FromText(text).ok());
  EXPECT_FALSE(Cosigner::FromText("PRIVATE+KEY+witness.example+00000000+AQ==").ok());
  EXPECT_FALSE(Cosigner::Create("bad name", crypto::Ed25519GenerateSeed().value()).ok());
}

}  // namespace
}  // namespace vigil::witness
