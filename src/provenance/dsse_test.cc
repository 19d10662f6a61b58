// DSSE envelopes and in-toto statements.
#include "provenance/dsse.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "crypto/public_key.h"
#include "crypto/test_util.h"
#include "provenance/provenance.h"

namespace vigil::provenance {
namespace {

TEST(PreAuthEncodingTest, MatchesTheDsseSpecification) {
  const std::string body = "hello world";
  const Bytes pae = PreAuthEncoding("http://example.com/HelloWorld", AsBytes(body));
  EXPECT_EQ(std::string(pae.begin(), pae.end()),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(DsseVerifyTest, AnEd25519SignatureVerifiesAndTamperingIsDetected) {
  auto seed = crypto::Ed25519GenerateSeed();
  ASSERT_TRUE(seed.ok());
  auto raw = crypto::Ed25519PublicKey(*seed);
  ASSERT_TRUE(raw.ok());
  auto der = crypto::PublicKeyDerFromRaw(crypto::KeyAlgorithm::kEd25519, *raw);
  ASSERT_TRUE(der.ok());
  auto key = crypto::PublicKey::FromDer(*der);
  ASSERT_TRUE(key.ok());

  const std::string payload = R"({"a":1})";
  DsseEnvelope envelope{std::string(kInTotoPayloadType), Bytes(payload.begin(), payload.end()), {}};
  auto sig = crypto::Ed25519Sign(*seed, PreAuthEncoding(envelope.payload_type, envelope.payload));
  ASSERT_TRUE(sig.ok());
  envelope.signatures.push_back({key->KeyId(), Bytes(sig->begin(), sig->end())});
  auto parsed = ParseEnvelope(SerializeEnvelope(envelope));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(VerifyEnvelope(*parsed, *key).ok());

  DsseEnvelope altered = *parsed;
  altered.payload.back() ^= 1;
  EXPECT_FALSE(VerifyEnvelope(altered, *key).ok());
  altered = *parsed;
  altered.payload_type = "text/plain";
  EXPECT_FALSE(VerifyEnvelope(altered, *key).ok());
  altered = *parsed;
  altered.signatures[0].keyid = std::string(64, '0');
  auto unnamed = VerifyEnvelope(altered, *key);
  ASSERT_FALSE(unnamed.ok());
  EXPECT_NE(unnamed.error().message().find("no signature by key"), std::string::npos);
}

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

TEST(StatementTest, RoundTripsTheFactsAVerifierNeeds) {
  ProvenanceFacts facts;
  facts.build.build_id = "b1";
  facts.build.builder_name = "builder";
  facts.build.log_sha256 = std::string(64, 'd');
  facts.build.start = "2026-11-22T10:00:00.000000Z";
  facts.build.end = "2026-11-22T10:01:00.000000Z";
  facts.subjects = {{"out/kernel", crypto::FilledDigest(0xaa)}};
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
  EXPECT_EQ(summary->subjects[0].sha256, crypto::FilledDigest(0xaa));
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
}  // namespace vigil::provenance
