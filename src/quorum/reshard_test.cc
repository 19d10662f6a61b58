#include "quorum/reshard.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "base/hex.h"
#include "quorum/manifest_json.h"
#include "quorum/reshard_json.h"

namespace vigil::quorum {
namespace {

ReshardManifest GoldenReshard() {
  std::ifstream in("tests/data/qos/golden/manifest_envelope.json", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  const ManifestEnvelope envelope = ParseEnvelopeJson(text).value();
  ReshardManifest reshard{.manifest = envelope.manifest, .new_share_set = {}};
  // The new set: boot-e2e's three users, 2 of 3.
  for (int n = 1; n <= 3; ++n) {
    std::ifstream pub("tests/data/qos/boot-e2e/user" + std::to_string(n) + ".pub");
    std::string hex;
    pub >> hex;
    reshard.new_share_set.members.push_back({"user" + std::to_string(n), HexDecode(hex).value()});
  }
  reshard.new_share_set.threshold = 2;
  return reshard;
}

TEST(ReshardTest, TheHashCoversTheManifestAndTheNewSetAndRoundTrips) {
  const ReshardManifest reshard = GoldenReshard();
  ASSERT_TRUE(CheckReshardManifest(reshard).ok())
      << CheckReshardManifest(reshard).error().message();
  const std::string json = ReshardManifestJson(reshard).value();
  EXPECT_EQ(json.rfind(R"({"manifest":{)", 0), 0u) << json.substr(0, 40);
  EXPECT_NE(json.find(R"("version":"vigil-reshard-v1")"), std::string::npos);
  EXPECT_EQ(ParseReshardManifestJson(json).value(), reshard);
  const crypto::Sha256Digest hash = ReshardHash(reshard).value();
  EXPECT_EQ(hash, crypto::Sha256(AsBytes(json)));
  ReshardManifest other = reshard;
  other.new_share_set.threshold = 1;
  EXPECT_NE(ReshardHash(other).value(), hash);
  other = reshard;
  other.manifest.name_space.nonce += 1;
  EXPECT_NE(ReshardHash(other).value(), hash);
  // The manifest's own version is kept inside: a V1 golden manifest stays V1.
  EXPECT_EQ(ParseReshardManifestJson(json)->manifest.version, reshard.manifest.version);
}

TEST(ReshardTest, StrictReadersNameWhatTheyRefuse) {
  const std::string json = ReshardManifestJson(GoldenReshard()).value();
  std::string wrong = json;
  wrong.replace(wrong.find("vigil-reshard-v1"), 16, "vigil-reshard-v2");
  Result<ReshardManifest> refused = ParseReshardManifestJson(wrong);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("$.version"), std::string::npos);
  std::string extra = json;
  extra.insert(1, R"("more":"1",)");
  EXPECT_FALSE(ParseReshardManifestJson(extra).ok());
  ReshardManifest bad = GoldenReshard();
  bad.new_share_set.threshold = 5;
  EXPECT_NE(CheckReshardManifest(bad).error().message().find("threshold of 5 for 3"),
            std::string::npos);
  bad = GoldenReshard();
  bad.new_share_set.members.push_back(bad.new_share_set.members.front());
  EXPECT_NE(CheckReshardManifest(bad).error().message().find("DuplicateQuorumMember"),
            std::string::npos);
}

TEST(ReshardTest, TheOutputRoundTripsStrictlyAndIsCheckedAgainstItsReshard) {
  const ReshardManifest reshard = GoldenReshard();
  ReshardOutput output{.reshard_hash = ReshardHash(reshard).value(),
                       .quorum_key = reshard.manifest.name_space.quorum_key,
                       .threshold = 2,
                       .member_outputs = {}};
  for (const QuorumMember& member : reshard.new_share_set.members) {
    output.member_outputs.push_back({.share_set_member = member,
                                     .encrypted_quorum_key_share = Bytes(130, 1),
                                     .share_hash = {}});
  }
  const Bytes bytes = EncodeReshardOutputBorsh(output).value();
  EXPECT_EQ(DecodeReshardOutputBorsh(bytes).value(), output);
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_FALSE(DecodeReshardOutputBorsh(longer).ok());
  EXPECT_FALSE(DecodeReshardOutputBorsh(ByteView(bytes).first(bytes.size() - 1)).ok());
  EXPECT_TRUE(CheckReshardOutput(output, reshard).ok());
  ReshardOutput other = output;
  other.threshold = 1;
  EXPECT_NE(CheckReshardOutput(other, reshard).error().message().find("threshold"),
            std::string::npos);
  other = output;
  std::swap(other.member_outputs[0], other.member_outputs[1]);
  EXPECT_NE(CheckReshardOutput(other, reshard).error().message().find("member_outputs[0]"),
            std::string::npos);
  other = output;
  other.reshard_hash[0] ^= 1;
  EXPECT_NE(CheckReshardOutput(other, reshard).error().message().find("reshard_hash"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::quorum
