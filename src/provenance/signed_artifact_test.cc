#include "provenance/signed_artifact.h"

#include <gtest/gtest.h>

#include "base/hex.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "crypto/test_util.h"

namespace vigil::provenance {
namespace {

class SignedArtifactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto seed = crypto::Ed25519GenerateSeed();
    ASSERT_TRUE(seed.ok());
    seed_.emplace(std::move(seed).value());
    auto raw = crypto::Ed25519PublicKey(*seed_);
    ASSERT_TRUE(raw.ok());
    auto der = crypto::PublicKeyDerFromRaw(crypto::KeyAlgorithm::kEd25519, *raw);
    ASSERT_TRUE(der.ok());
    auto key = crypto::PublicKey::FromDer(*der);
    ASSERT_TRUE(key.ok());
    key_.emplace(std::move(key).value());
  }
  DsseEnvelope Sign(std::string_view payload_type) {
    ProvenanceFacts facts;
    facts.build.build_id = "b1";
    facts.build.builder_name = "builder";
    facts.build.log_sha256 = std::string(64, 'd');
    facts.build.start = "2026-11-22T10:00:00.000000Z";
    facts.build.end = "2026-11-22T10:01:00.000000Z";
    facts.subjects = {{"dist/hello.eif", crypto::FilledDigest(0xaa)}};
    facts.ledger_origin = "example.com/ledger";
    facts.ledger_index = 7;
    const std::string statement = MakeStatement(facts);
    DsseEnvelope envelope{std::string(payload_type), Bytes(statement.begin(), statement.end()), {}};
    auto sig =
        crypto::Ed25519Sign(*seed_, PreAuthEncoding(envelope.payload_type, envelope.payload));
    EXPECT_TRUE(sig.ok());
    envelope.signatures.push_back({key_->KeyId(), Bytes(sig->begin(), sig->end())});
    return envelope;
  }
  static std::function<Result<crypto::Sha256Digest>()> Hash(char c) {
    return [c]() -> Result<crypto::Sha256Digest> {
      return crypto::ParseSha256Hex(std::string(64, c));
    };
  }
  std::optional<crypto::SecretBytes> seed_;
  std::optional<crypto::PublicKey> key_;
};

TEST_F(SignedArtifactTest, ASubjectSignedByTheKeyIsVerified) {
  const DsseEnvelope envelope = Sign(kInTotoPayloadType);
  const std::string text = SerializeEnvelope(envelope);
  const std::string reindented = text.substr(0, 1) + "\n  " + text.substr(1);
  auto verified =
      VerifySignedArtifact(*ParseEnvelope(reindented), reindented, *key_, Hash('a'), "hello.eif");
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->subject, "dist/hello.eif");
  EXPECT_EQ(verified->artifact.sha256, crypto::FilledDigest(0xaa));
  EXPECT_EQ(verified->artifact.key_id, key_->KeyId());
  EXPECT_EQ(verified->artifact.statement.build_id, "b1");
  EXPECT_EQ(verified->artifact.statement.ledger_index, 7u);
  EXPECT_EQ(verified->artifact.envelope_sha256, HexEncode(crypto::Sha256(AsBytes(reindented))));
  EXPECT_EQ(verified->artifact.canonical_sha256, HexEncode(crypto::Sha256(AsBytes(text))));
}

TEST_F(SignedArtifactTest, AnotherArtifactIsNotASubject) {
  const DsseEnvelope envelope = Sign(kInTotoPayloadType);
  auto other =
      VerifySignedArtifact(envelope, SerializeEnvelope(envelope), *key_, Hash('b'), "other.bin");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().message(), "other.bin (sha256 " + std::string(64, 'b') +
                                         ") is not a subject of the envelope: it is not the "
                                         "artifact that was signed");
}

TEST_F(SignedArtifactTest, ABadSignatureOrPayloadTypeIsRefusedBeforeHashing) {
  bool hashed = false;
  auto hash = [&hashed]() -> Result<crypto::Sha256Digest> {
    hashed = true;
    return crypto::FilledDigest(0xaa);
  };
  DsseEnvelope altered = Sign(kInTotoPayloadType);
  altered.payload.back() ^= 1;
  EXPECT_FALSE(VerifySignedArtifact(altered, "{}", *key_, hash, "a").ok());
  auto text = VerifySignedArtifact(Sign("text/plain"), "{}", *key_, hash, "a");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().message(),
            "the envelope's payload type is 'text/plain', not an in-toto statement");
  EXPECT_FALSE(hashed);
  auto unreadable = VerifySignedArtifact(
      Sign(kInTotoPayloadType), "{}", *key_,
      [] { return Result<crypto::Sha256Digest>(Error::MissingEnv("no such file")); }, "a");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil::provenance
