#include "quorum/manifest_commitment.h"

#include <gtest/gtest.h>

#include <string>

#include "base/hex.h"

namespace vigil::quorum {
namespace {

// shared/vectors/README.md, qos/ (qos_nsm's manifest_commitment_pcr_test_vectors).
const Bytes kManifestHash(32, 0x01);
const Bytes kPublicKey(65, 0x03);

std::string CommitmentHex(ManifestPhase phase) {
  auto commitment = ManifestCommitment(phase, kManifestHash, kPublicKey);
  return commitment.ok() ? HexEncode(*commitment) : "error: " + commitment.error().message();
}

TEST(ManifestCommitment, PreimageIsQosCanonicalJson) {
  auto preimage = ManifestCommitmentPreimage(ManifestPhase::kSetup, kManifestHash, kPublicKey);
  ASSERT_TRUE(preimage.ok()) << preimage.error().message();
  std::string hex_key;
  for (int i = 0; i < 65; ++i) hex_key += "03";
  EXPECT_EQ(*preimage,
            "{\"domain\":\"qos-setup-manifest-pcr-commitment-v1\","
            "\"ephemeralPublicKey\":\"" +
                hex_key +
                "\","
                "\"manifestHash\":\"" +
                HexEncode(kManifestHash) + "\"}");
}

TEST(ManifestCommitment, SetupVectors) {
  const std::string commitment = CommitmentHex(ManifestPhase::kSetup);
  EXPECT_EQ(commitment,
            "e5997907ea1b7204c7a8890ae76d8d70b05f37d3bdda729d6b4c1febc55c7f3ecae51ce4746f136c"
            "07527c00b1298876");
  EXPECT_EQ(HexEncode(ManifestPcr(*HexDecode(commitment))),
            "f3e7209964e7d8f4915cc6038ec22d6dcdfcbea625b98f8a1a338e24407f122803f79be43ab65a4c"
            "4ad32a52b2c6ab4e");
  EXPECT_EQ(ManifestCommitmentPcrIndex(ManifestPhase::kSetup), 16);
}

TEST(ManifestCommitment, LiveVectors) {
  const std::string commitment = CommitmentHex(ManifestPhase::kLive);
  EXPECT_EQ(commitment,
            "47a6e41fa6bbd0e9f46829dbcaf359829934b4fdbbcce099e508aab4127332c5812f385a4e9133ec"
            "3db812aa00be2b3f");
  EXPECT_EQ(HexEncode(ManifestPcr(*HexDecode(commitment))),
            "afb56dbbe66008a5b6f190b81cf4e63603e15bf24bc6a93a135b82f8b1bb72ac4d3a0a191a20b3fd"
            "77e5b9333677b7fc");
  EXPECT_EQ(ManifestCommitmentPcrIndex(ManifestPhase::kLive), 17);
  EXPECT_EQ(ManifestCommitmentDomain(ManifestPhase::kLive), "qos-live-manifest-pcr-commitment-v1");
}

// AWS's PCR extend example (qos_nsm pcr_extend_sha384_matches_aws_pcr3_example).
TEST(ManifestCommitment, PcrExtendExample) {
  EXPECT_EQ(HexEncode(ManifestPcr(AsBytes("arn:aws:iam::123456789012:role/Webserver"))),
            "78fce75db17cd4e0a3fb8dad3ad128ca5e77edbb2b2c7f75329dccd99aa5f6ef4fc1f1a452e315b9"
            "e98f9e312e6921e6");
}

TEST(ManifestCommitment, AcceptsQosP256PublicKeys) {
  const Bytes qos_key(130, 0x04);
  auto commitment = ManifestCommitment(ManifestPhase::kLive, kManifestHash, qos_key);
  ASSERT_TRUE(commitment.ok()) << commitment.error().message();
  EXPECT_EQ(commitment->size(), kPcrSize);
  EXPECT_NE(HexEncode(*commitment), CommitmentHex(ManifestPhase::kLive));
}

TEST(ManifestCommitment, RejectsWrongSizes) {
  auto short_hash = ManifestCommitment(ManifestPhase::kSetup, Bytes(31, 1), kPublicKey);
  ASSERT_FALSE(short_hash.ok());
  EXPECT_EQ(short_hash.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(short_hash.error().message().find("manifest hash is 31 bytes"), std::string::npos);
  auto compressed_key = ManifestCommitment(ManifestPhase::kSetup, kManifestHash, Bytes(33, 2));
  ASSERT_FALSE(compressed_key.ok());
  EXPECT_NE(compressed_key.error().message().find("ephemeral public key is 33 bytes"),
            std::string::npos);
  EXPECT_FALSE(ManifestCommitment(ManifestPhase::kLive, kManifestHash, {}).ok());
}

// Values computed independently (Python's hashlib over the preimage written out by hand).
TEST(ManifestCommitment, ManifestOnlyPcr18Vector) {
  EXPECT_EQ(*ManifestOnlyCommitmentPreimage(kManifestHash),
            "{\"domain\":\"vigil-manifest-pcr-commitment-v1\",\"manifestHash\":\"" +
                HexEncode(kManifestHash) + "\"}");
  Result<Bytes> commitment = ManifestOnlyCommitment(kManifestHash);
  ASSERT_TRUE(commitment.ok());
  EXPECT_EQ(HexEncode(*commitment),
            "1db0e4f2203c63c512267d4ed5bf32cc75132e22af3d1e9eaff76835523c0804df348ad551c52821c5f6e7"
            "06e139ecbe");
  EXPECT_EQ(HexEncode(ManifestPcr(*commitment)),
            "b20ea30f922f3f1f71cbe423563dab7110d5a09e97cbdd52d98502ec4cd400795edcd4d5a3823db96e17cf"
            "1dbfad41f9");
  EXPECT_FALSE(ManifestOnlyCommitment(Bytes(31, 1)).ok());
}

}  // namespace
}  // namespace vigil::quorum
