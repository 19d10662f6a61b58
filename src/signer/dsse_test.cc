// DSSE envelopes, public keys and key files.
#include "signer/dsse.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file.h"
#include "signer/file_key.h"
#include "signer/provenance.h"

namespace vigil::signer {
namespace {

using crypto::KeyAlgorithm;

class DsseTest : public ::testing::TestWithParam<KeyAlgorithm> {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-dsse-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }
  std::unique_ptr<TempDir> temp_;
};

TEST(PreAuthEncodingTest, MatchesTheDsseSpecification) {
  const std::string body = "hello world";
  const Bytes pae = PreAuthEncoding("http://example.com/HelloWorld", AsBytes(body));
  EXPECT_EQ(std::string(pae.begin(), pae.end()),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST_P(DsseTest, SignedEnvelopesVerifyAndTamperingIsDetected) {
  const fs::path path = temp_->path() / "key";
  auto created = GenerateFileKey(path, GetParam());
  ASSERT_TRUE(created.ok()) << created.error().message();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_FALSE(GenerateFileKey(path, GetParam()).ok()) << "a key file is never replaced";

  auto key = OpenFileKey(path, GetParam());
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ((*key)->public_key().KeyId(), created->KeyId());
  auto from_pem = crypto::PublicKey::FromPem(created->Pem());
  ASSERT_TRUE(from_pem.ok());
  EXPECT_EQ(from_pem->der(), created->der());

  const std::string payload = R"({"a":1})";
  DsseEnvelope envelope{std::string(kInTotoPayloadType), Bytes(payload.begin(), payload.end()), {}};
  auto sig = (*key)->Sign(PreAuthEncoding(envelope.payload_type, envelope.payload));
  ASSERT_TRUE(sig.ok());
  envelope.signatures.push_back({created->KeyId(), *sig});
  const std::string text = SerializeEnvelope(envelope);
  auto parsed = ParseEnvelope(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(VerifyEnvelope(*parsed, *created).ok());

  DsseEnvelope altered = *parsed;
  altered.payload.back() ^= 1;
  EXPECT_FALSE(VerifyEnvelope(altered, *created).ok());
  altered = *parsed;
  altered.payload_type = "text/plain";
  EXPECT_FALSE(VerifyEnvelope(altered, *created).ok());

  // Another key of the same algorithm does not verify it.
  auto other = GenerateFileKey(temp_->path() / "other", GetParam());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyEnvelope(*parsed, *other).ok());
  // And a key file of the other algorithm is refused as configured.
  const KeyAlgorithm wrong =
      GetParam() == KeyAlgorithm::kEd25519 ? KeyAlgorithm::kEcdsaP256 : KeyAlgorithm::kEd25519;
  EXPECT_FALSE(OpenFileKey(path, wrong).ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, DsseTest,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256));

TEST(DsseParseTest, RejectsMalformedEnvelopes) {
  const char* bad[] = {
      "",
      "[]",
      R"({"payload":"e30=","payloadType":"t"})",
      R"({"payload":"e30=","payloadType":"t","signatures":[]})",
      R"({"payload":"e30","payloadType":"t","signatures":[{"keyid":"k","sig":"AA=="}]})",
      R"({"payload":"e30=","payloadType":"t","signatures":[{"keyid":"k","sig":"AA==","x":1}]})",
      R"({"payload":"e30=","payloadType":1,"signatures":[{"keyid":"k","sig":"AA=="}]})",
      R"({"payload":"e30=","payloadType":"t","signatures":[{"keyid":"k","sig":"AA=="}],"x":0})",
  };
  for (const char* text : bad) {
    auto parsed = ParseEnvelope(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
    }
  }
  EXPECT_TRUE(
      ParseEnvelope(
          R"({"payload":"e30=","payloadType":"t","signatures":[{"keyid":"k","sig":"AA=="}]})")
          .ok());
  // Any layout is JSON; a repeated key or bytes after a NUL are not one envelope (D21).
  EXPECT_TRUE(
      ParseEnvelope("{\n  \"payload\": \"e30=\",\n  \"payloadType\": \"t\",\n  \"signatures\": "
                    "[{\"keyid\": \"k\", \"sig\": \"AA==\"}]\n}\n")
          .ok());
  auto duplicate = ParseEnvelope(
      R"({"payload":"e30=","payload":"e30=","payloadType":"t","signatures":[{"keyid":"k","sig":"AA=="}]})");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().message(),
            "the envelope: the key \"payload\" appears twice in the object at $ (a JSON object's "
            "keys must be distinct)");
  const std::string nul =
      std::string(
          R"({"payload":"e30=","payloadType":"t","signatures":[{"keyid":"k","sig":"AA=="}]})") +
      '\0';
  auto trailing = ParseEnvelope(nul);
  ASSERT_FALSE(trailing.ok());
  EXPECT_NE(trailing.error().message().find("NUL byte"), std::string::npos);
}

TEST(KeyFileTest, RefusesAKeyFileOthersCanRead) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-keyfile-test.");
  ASSERT_TRUE(temp.ok());
  const fs::path path = temp->path() / "key";
  ASSERT_TRUE(GenerateFileKey(path, KeyAlgorithm::kEd25519).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto opened = OpenFileKey(path, KeyAlgorithm::kEd25519);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(OpenFileKey(temp->path() / "missing", KeyAlgorithm::kEd25519).ok());
}

TEST(PublicKeyTest, RejectsWhatIsNotAnEd25519OrP256Key) {
  EXPECT_FALSE(crypto::PublicKey::FromPem("not a key").ok());
  EXPECT_FALSE(crypto::PublicKey::FromDer(Bytes{0x30, 0x00}).ok());
  // A P-256 point that is not on the curve.
  Bytes point(65, 0x01);
  point[0] = 0x04;
  EXPECT_FALSE(crypto::PublicKeyDerFromRaw(KeyAlgorithm::kEcdsaP256, point).ok());
  EXPECT_FALSE(crypto::ParseKeyAlgorithm("rsa").ok());
}

TEST(StatementTest, RoundTripsTheFactsAVerifierNeeds) {
  ProvenanceFacts facts;
  facts.build.build_id = "b1";
  facts.build.builder_name = "builder";
  facts.build.log_sha256 = std::string(64, 'd');
  facts.build.start = "2026-11-22T10:00:00.000000Z";
  facts.build.end = "2026-11-22T10:01:00.000000Z";
  facts.subjects = {{"out/kernel", std::string(64, 'a')}};
  facts.ledger_origin = "example.com/ledger";
  facts.ledger_index = 7;
  const std::string statement = MakeStatement(facts);
  auto summary = ParseStatement(AsBytes(statement));
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  EXPECT_EQ(summary->build_id, "b1");
  EXPECT_EQ(summary->builder_id, "urn:vigil:builder:builder");
  EXPECT_EQ(summary->ledger_index, 7u);
  EXPECT_EQ(summary->ledger_origin, "example.com/ledger");
  ASSERT_EQ(summary->subjects.size(), 1u);
  EXPECT_EQ(summary->subjects[0].sha256, std::string(64, 'a'));
  EXPECT_FALSE(ParseStatement(AsBytes(std::string(R"({"_type":"x"})"))).ok());
  // A second "subject" would be read by some verifiers and not others.
  const std::string twice = "{\"subject\":[]," + statement.substr(1);
  auto duplicate = ParseStatement(AsBytes(twice));
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.error().message().find("the key \"subject\" appears twice"),
            std::string::npos)
      << duplicate.error().message();
}

}  // namespace
}  // namespace vigil::signer
