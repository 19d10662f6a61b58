// The signature record codec: the signer's bytes are pinned (the ledger has logged records
// in this form), and only a record spelt as the ledger stores it is read.
#include "provenance/signature_record.h"

#include <gtest/gtest.h>

#include "crypto/test_util.h"

namespace vigil::provenance {
namespace {

SignatureRecord Example() {
  return {"hello-20261122T100000Z-0a1b2c3d",
          7,
          std::string(64, 'e'),
          "vigil-release+0f1e2d3c",
          "release",
          {{"dist/hello.eif", crypto::FilledDigest(0xaa)}}};
}

// The record as the ledger stores it: the submitter inserted in key order.
std::string Logged(std::string record) {
  record.insert(record.find(",\"type\""),
                ",\"submitter\":{\"name\":\"signer\",\"tags\":[\"signer\"]}");
  return record;
}

TEST(SignatureRecordTest, WritesTheSignersCanonicalBytes) {
  EXPECT_EQ(SerializeSignatureRecord(Example()),
            "{\"build_id\":\"hello-20261122T100000Z-0a1b2c3d\",\"build_index\":7,"
            "\"envelope_sha256\":\"" +
                std::string(64, 'e') +
                "\",\"key_id\":\"vigil-release+0f1e2d3c\",\"key_name\":\"release\","
                "\"subjects\":[{\"name\":\"dist/hello.eif\",\"sha256\":\"" +
                std::string(64, 'a') + "\"}],\"type\":\"signature\"}");
}

TEST(SignatureRecordTest, ReadsTheLoggedRecordBack) {
  const std::string text = Logged(SerializeSignatureRecord(Example()));
  auto read = ParseLoggedSignature(AsBytes(text));
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->record.build_id, "hello-20261122T100000Z-0a1b2c3d");
  EXPECT_EQ(read->record.build_index, 7u);
  EXPECT_EQ(read->record.envelope_sha256, std::string(64, 'e'));
  EXPECT_EQ(read->record.key_id, "vigil-release+0f1e2d3c");
  EXPECT_EQ(read->record.key_name, "release");
  ASSERT_EQ(read->record.subjects.size(), 1u);
  EXPECT_EQ(read->record.subjects[0].name, "dist/hello.eif");
  EXPECT_EQ(read->submitter_name, "signer");
  EXPECT_EQ(read->submitter_tags, std::vector<std::string>{"signer"});
}

TEST(SignatureRecordTest, RefusesWhatTheLedgerDoesNotStore) {
  const std::string record = SerializeSignatureRecord(Example());
  const std::string logged = Logged(record);
  // Without its submitter, re-spelt, another type, an extra member, a bad digest.
  EXPECT_FALSE(ParseLoggedSignature(AsBytes(record)).ok());
  EXPECT_FALSE(ParseLoggedSignature(AsBytes(logged + "\n")).ok());
  EXPECT_FALSE(ParseLoggedSignature(AsBytes("{\"type\":\"build-log\"}")).ok());
  std::string extra = logged;
  extra.insert(1, "\"a\":1,");
  EXPECT_FALSE(ParseLoggedSignature(AsBytes(extra)).ok());
  SignatureRecord bad = Example();
  bad.envelope_sha256 = std::string(64, 'E');
  EXPECT_FALSE(ParseLoggedSignature(AsBytes(Logged(SerializeSignatureRecord(bad)))).ok());
  bad = Example();
  bad.subjects[0].name = "../x";
  EXPECT_FALSE(ParseLoggedSignature(AsBytes(Logged(SerializeSignatureRecord(bad)))).ok());
}

}  // namespace
}  // namespace vigil::provenance
