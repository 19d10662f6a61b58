#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "base/hex.h"
#include "crypto/envelope.h"
#include "crypto/p256_key_files.h"
#include "quorum/genesis_json.h"

namespace vigil::quorum {
namespace {

// Tests run with the project root as working directory; a copy of ../shared/vectors/qos.
const std::string kVectors = "tests/data/qos/";

Bytes ReadVector(const std::string& path) {
  std::ifstream in(kVectors + path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

GenesisOutput QosGenesis() {
  Result<GenesisOutput> output = DecodeGenesisOutputBorsh(ReadVector("genesis/genesis_output"));
  EXPECT_TRUE(output.ok()) << output.error().message();
  return output.ok() ? *output : GenesisOutput{};
}

TEST(GenesisOutput, ReadsQuorumOsOwnOutputAndWritesTheSameBytes) {
  const Bytes bytes = ReadVector("genesis/genesis_output");
  ASSERT_EQ(bytes.size(), 2140u);
  EXPECT_EQ(crypto::Sha256Hex(crypto::Sha256(bytes)),
            "53edb7f47a2f2c0e2672a4b65910a1e5e8dca60289a80e669844e09eb934d41b");
  const GenesisOutput output = QosGenesis();
  EXPECT_EQ(output.set.threshold, 2u);
  ASSERT_EQ(output.set.members.size(), 3u);
  ASSERT_EQ(output.member_outputs.size(), 3u);
  EXPECT_EQ(AsText(output.test_message), kGenesisTestMessage);
  Result<Bytes> again = EncodeGenesisOutputBorsh(output);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, bytes);
  Result<crypto::Sha256Digest> hash = GenesisOutputHash(output);
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, crypto::Sha256(bytes));
}

TEST(GenesisOutput, QuorumOsKeysAndSharesCheckOut) {
  const GenesisOutput output = QosGenesis();
  Result<crypto::qos::P256Public> quorum =
      crypto::ReadP256Public(kVectors + "boot-e2e/quorum_key.pub");
  ASSERT_TRUE(quorum.ok()) << quorum.error().message();
  EXPECT_EQ(output.quorum_key, Bytes(quorum->bytes().begin(), quorum->bytes().end()));
  Result<crypto::qos::P256Public> dr = crypto::ReadP256Public(kVectors + "genesis/dr.pub");
  ASSERT_TRUE(dr.ok() && output.dr_key.has_value());
  EXPECT_EQ(*output.dr_key, Bytes(dr->bytes().begin(), dr->bytes().end()));
  std::vector<crypto::SecretBytes> shares;
  for (std::size_t i = 0; i < 3; ++i) {
    const GenesisMemberOutput& member = output.member_outputs[i];
    EXPECT_EQ(member.share_set_member, output.set.members[i]);
    const std::string user = "boot-e2e/user" + std::to_string(i + 1);
    EXPECT_EQ(member.share_set_member.alias, "user" + std::to_string(i + 1));
    // Test keys: git does not keep the 0600 mode ReadP256Pair insists on.
    const Bytes hex = ReadVector(user + ".secret");
    Result<Bytes> seed = HexDecode(AsText(ByteView(hex).first(64)));
    ASSERT_TRUE(seed.ok());
    Result<crypto::qos::P256Pair> pair =
        crypto::qos::P256Pair::FromSeed(crypto::SecretBytes(*seed));
    ASSERT_TRUE(pair.ok()) << pair.error().message();
    EXPECT_EQ(member.share_set_member.pub_key, pair->public_key());
    EXPECT_EQ(member.encrypted_quorum_key_share.size(), 130u);
    Result<crypto::SecretBytes> share =
        crypto::qos::Decrypt(*pair, member.encrypted_quorum_key_share);
    ASSERT_TRUE(share.ok()) << share.error().message();
    ASSERT_EQ(share->size(), 33u);
    EXPECT_EQ(share->view()[0], i + 1) << "x is the member's position";
    EXPECT_EQ(crypto::Sha512(share->view()), member.share_hash);
  }
}

TEST(GenesisOutput, JsonRoundTripsAndNamesItsFieldsAsQuorumOsDoes) {
  const GenesisOutput output = QosGenesis();
  const nlohmann::json value = GenesisOutputJsonValue(output);
  EXPECT_TRUE(value.contains("quorum_key_hash"));
  EXPECT_TRUE(value["member_outputs"][0].contains("encryptedQuorumKeyShare"));
  EXPECT_TRUE(value["member_outputs"][0]["shareSetMember"].contains("pubKey"));
  Result<GenesisOutput> again = ReadGenesisOutputJsonValue(value, "$");
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(*again, output);
  nlohmann::json extra = value;
  extra["surprise"] = "1";
  EXPECT_FALSE(ReadGenesisOutputJsonValue(extra, "$").ok());
  nlohmann::json permutations = value;
  permutations["recovery_permutations"].push_back(nlohmann::json::array());
  EXPECT_FALSE(ReadGenesisOutputJsonValue(permutations, "$").ok());
}

TEST(GenesisOutput, RefusesCutOrPaddedBytes) {
  const Bytes bytes = ReadVector("genesis/genesis_output");
  Bytes cut(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(DecodeGenesisOutputBorsh(cut).ok());
  Bytes padded = bytes;
  padded.push_back(0);
  Result<GenesisOutput> result = DecodeGenesisOutputBorsh(padded);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kBadInput);
}

TEST(GenesisSet, RefusesWhatQuorumOsRefuses) {
  const GenesisOutput output = QosGenesis();
  GenesisSet set = output.set;
  EXPECT_TRUE(CheckGenesisSet(set).ok());
  set.threshold = 1;
  EXPECT_NE(CheckGenesisSet(set).error().message().find("QosCrypto"), std::string::npos);
  set.threshold = 4;
  EXPECT_FALSE(CheckGenesisSet(set).ok());
  set = output.set;
  set.members[2].alias = set.members[0].alias;
  EXPECT_NE(CheckGenesisSet(set).error().message().find("DuplicateQuorumMember"),
            std::string::npos);
  set = output.set;
  set.members[2].pub_key = set.members[1].pub_key;
  set.members[2].alias = "other";
  EXPECT_NE(CheckGenesisSet(set).error().message().find("DuplicateQuorumMember"),
            std::string::npos);
}

}  // namespace
}  // namespace vigil::quorum
