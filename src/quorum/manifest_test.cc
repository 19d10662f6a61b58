#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/p256.h"
#include "crypto/secret.h"
#include "quorum/approvals.h"
#include "quorum/manifest_borsh.h"
#include "quorum/manifest_json.h"

namespace vigil::quorum {
namespace {

// Tests run with the project root as working directory; a copy of ../shared/vectors/qos.
const std::string kVectors = "tests/data/qos/";

std::string ReadText(const std::string& path) {
  std::ifstream in(kVectors + path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

Manifest GoldenManifest() {
  Result<Manifest> manifest = ParseManifestJson(ReadText("golden/manifest.json"));
  EXPECT_TRUE(manifest.ok()) << manifest.error().message();
  return *manifest;
}

std::string HashHex(const Manifest& manifest) {
  Result<crypto::Sha256Digest> hash = ManifestHash(manifest);
  EXPECT_TRUE(hash.ok()) << hash.error().message();
  return crypto::Sha256Hex(*hash);
}

Approval SignedBy(const std::string& secret_file, const std::string& alias, const Manifest& m) {
  Result<Bytes> seed = HexDecode(ReadText(secret_file));
  EXPECT_TRUE(seed.ok());
  Result<crypto::qos::P256Pair> pair = crypto::qos::P256Pair::FromSeed(crypto::SecretBytes(*seed));
  EXPECT_TRUE(pair.ok());
  Result<crypto::Sha256Digest> hash = ManifestHash(m);
  Approval approval;
  approval.signature = *pair->Sign(*hash);
  approval.member = {alias, pair->public_key()};
  return approval;
}

TEST(ManifestTest, GoldenV1ManifestHashesAsQuorumOsDoes) {
  Manifest manifest = GoldenManifest();
  EXPECT_EQ(manifest.version, ManifestVersion::kV1);
  EXPECT_EQ(manifest.name_space.name, "production/signer");
  EXPECT_EQ(HexEncode(manifest.pivot.hash),
            crypto::Sha256Hex(crypto::Sha256(AsBytes("mono compat pivot bytes"))));
  Result<Bytes> borsh = EncodeManifestBorsh(manifest);
  ASSERT_TRUE(borsh.ok());
  EXPECT_EQ(borsh->size(), 1436u);
  EXPECT_EQ(HashHex(manifest), "f06b3417893b3c2648b36d25134c3d854405db7a609cc1d41b86c4f63fd476fd");
  // Written back as qos_client writes it, byte for byte.
  EXPECT_EQ(*ManifestJson(manifest), ReadText("golden/manifest.json"));
  EXPECT_EQ(*DecodeManifestBorsh(*borsh), manifest);
}

TEST(ManifestTest, GoldenApprovalVerifiesAndMeetsTheThreshold) {
  Manifest manifest = GoldenManifest();
  Result<Approval> approval = ParseApprovalJson(ReadText("golden/approval.json"));
  ASSERT_TRUE(approval.ok()) << approval.error().message();
  // RFC 6979 makes the primary key's signature reproducible.
  EXPECT_EQ(SignedBy("primary/primary.secret", "dev", manifest), *approval);
  Status checked = CheckApprovals(manifest, *ManifestHash(manifest), {*approval});
  EXPECT_TRUE(checked.ok()) << checked.error().message();
}

TEST(ManifestTest, GoldenEnvelopeRoundTripsThroughBorsh) {
  Result<ManifestEnvelope> envelope = ParseEnvelopeJson(ReadText("golden/manifest_envelope.json"));
  ASSERT_TRUE(envelope.ok()) << envelope.error().message();
  EXPECT_EQ(envelope->manifest, GoldenManifest());
  Result<Bytes> borsh = EncodeEnvelopeBorsh(*envelope);
  ASSERT_TRUE(borsh.ok());
  EXPECT_EQ(borsh->size(), 1653u);
  EXPECT_EQ(crypto::Sha256Hex(crypto::Sha256(*borsh)),
            "45052f0eba6f9a13f178b7eb25eafff323db7cb859e7cf024ca44136e706f4ab");
  EXPECT_EQ(*DecodeEnvelopeBorsh(*borsh), *envelope);
  EXPECT_EQ(*EnvelopeJson(*envelope), ReadText("golden/manifest_envelope.json"));
}

TEST(ManifestTest, OldV0BorshManifestStillLoads) {
  Bytes bytes;
  std::ifstream in(kVectors + "golden/old_manifest_v0.borsh", std::ios::binary);
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 2254u);
  Result<Manifest> manifest = DecodeManifestBorsh(bytes);
  ASSERT_TRUE(manifest.ok()) << manifest.error().message();
  EXPECT_EQ(manifest->version, ManifestVersion::kV0);
  EXPECT_EQ(manifest->name_space.name, "quit-coding-to-vape");
  EXPECT_EQ(*EncodeManifestBorsh(*manifest), bytes);
  Result<std::string> json = ManifestJson(*manifest);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*ParseManifestJson(*json), *manifest);
}

TEST(ManifestTest, V2IsCanonicalJsonWithEnvironmentAndResolvers) {
  Manifest manifest = GoldenManifest();
  manifest.version = ManifestVersion::kV2;
  manifest.patch_set = {};
  manifest.pivot.env = {{"LOG_LEVEL", "debug"}, {"_MODE", "x y"}};
  manifest.dns = std::vector<std::string>{"1.1.1.1", "2001:db8::1"};
  Result<std::string> canonical = ManifestJson(manifest);
  ASSERT_TRUE(canonical.ok()) << canonical.error().message();
  EXPECT_EQ(
      canonical->rfind("{\"dns\":{\"resolvers\":[\"1.1.1.1\",\"2001:db8::1\"]},\"enclave\":", 0),
      0u);
  EXPECT_NE(canonical->find("\"env\":{\"LOG_LEVEL\":{\"kind\":\"plain\",\"value\":\"debug\"}"),
            std::string::npos);
  EXPECT_NE(canonical->find("\"nonce\":\"31\""), std::string::npos);
  EXPECT_EQ(*ParseManifestJson(*canonical), manifest);
  EXPECT_EQ(HashHex(manifest), crypto::Sha256Hex(crypto::Sha256(AsBytes(*canonical))));
  EXPECT_FALSE(EncodeManifestBorsh(manifest).ok());
}

TEST(ManifestTest, RefusesMalformedManifests) {
  const std::string golden = ReadText("golden/manifest.json");
  auto refused = [](const std::string& text, const std::string& words) {
    Result<Manifest> manifest = ParseManifestJson(text);
    ASSERT_FALSE(manifest.ok()) << text.substr(0, 80);
    EXPECT_NE(manifest.error().message().find(words), std::string::npos)
        << manifest.error().message();
  };
  std::string unknown = golden;
  unknown.insert(1, "\"extra\":1,");
  refused(unknown, "unknown key \"extra\"");
  std::string twice = golden;
  twice.insert(1, "\"patchSet\":{},");
  refused(twice, "");
  std::string big_nonce = golden;
  big_nonce.replace(big_nonce.find("\"nonce\":31"), 10, "\"nonce\":4294967296");
  refused(big_nonce, "$.namespace.nonce");
  std::string restart = golden;
  restart.replace(restart.find("\"Always\""), 8, "\"Sometimes\"");
  refused(restart, "$.pivot.restart");
  refused("{\"version\":\"v3\"}", "$.version");
  std::string env = golden;
  env.insert(1, "\"version\":\"v2\",");
  refused(env, "unknown key \"patchSet\"");
}

TEST(ManifestTest, ApprovalCheckNamesEachFailure) {
  Manifest manifest = GoldenManifest();
  const crypto::Sha256Digest hash = *ManifestHash(manifest);
  const Approval good = SignedBy("primary/primary.secret", "dev", manifest);
  auto failure = [&](const Manifest& m, const std::vector<Approval>& approvals) {
    Status status = CheckApprovals(m, hash, approvals);
    return status.ok() ? std::string("ok") : status.error().message();
  };
  Approval forged = good;
  forged.signature[10] ^= 1;
  EXPECT_EQ(failure(manifest, {forged}).rfind("InvalidManifestApproval", 0), 0u);
  Approval stranger = SignedBy("boot-e2e/user1.secret", "user1", manifest);
  EXPECT_EQ(failure(manifest, {stranger}).rfind("NotManifestSetMember", 0), 0u);
  Approval renamed = good;
  renamed.member.alias = "someone";
  EXPECT_EQ(failure(manifest, {renamed}).rfind("NotManifestSetMember", 0), 0u);
  EXPECT_EQ(failure(manifest, {good, good}).rfind("DuplicateApproval", 0), 0u);
  EXPECT_EQ(failure(manifest, {}).rfind("NotEnoughApprovals", 0), 0u);
  Manifest doubled = manifest;
  doubled.manifest_set.members.push_back(doubled.manifest_set.members[0]);
  doubled.manifest_set.members[1].alias = "dev2";
  EXPECT_EQ(failure(doubled, {good}).rfind("DuplicateQuorumMember", 0), 0u);
  Manifest two = manifest;
  two.manifest_set.threshold = 2;
  two.manifest_set.members.push_back({"user1", stranger.member.pub_key});
  EXPECT_EQ(failure(two, {good}).rfind("NotEnoughApprovals", 0), 0u);
  EXPECT_EQ(failure(two, {good, stranger}), "ok");
}

}  // namespace
}  // namespace vigil::quorum
