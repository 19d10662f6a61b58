#include "tuf/metadata.h"

#include <gtest/gtest.h>

#include "crypto/ed25519.h"
#include "tuf/canonical_json.h"
#include "tuf/metadata_json.h"

namespace vigil::tuf {
namespace {

SigningKey NewKey() { return SigningKeyFromSeed(crypto::Ed25519GenerateSeed().value()).value(); }

TEST(CanonicalJsonTest, SortedCompactOnlyQuotesAndBackslashesEscaped) {
  const nlohmann::json value = {{"b", 1}, {"a", "x\"y\\z"}, {"c", {true, false, nullptr, -3}}};
  EXPECT_EQ(CanonicalJson(value).value(), R"({"a":"x\"y\\z","b":1,"c":[true,false,null,-3]})");
  EXPECT_EQ(CanonicalJson(nlohmann::json::object()).value(), "{}");
  EXPECT_FALSE(CanonicalJson(nlohmann::json{{"a", 1.5}}).ok());
  EXPECT_FALSE(CanonicalJson(nlohmann::json{{"a", "tab\there"}}).ok());
  EXPECT_FALSE(CanonicalJson(nlohmann::json{{"\xc3\xa9", 1}}).ok());
}

TEST(MetadataTest, EveryRoleRoundTripsAndVerifiesAtItsThreshold) {
  const SigningKey a = NewKey(), b = NewKey(), c = NewKey();
  Root root{
      .version = 3, .expires = 1893456000, .consistent_snapshot = true, .keys = {}, .roles = {}};
  for (const SigningKey* k : {&a, &b, &c}) root.keys[k->keyid] = k->key;
  for (const char* name : {"root", "targets", "snapshot", "timestamp"}) {
    root.roles[name] = RoleKeys{.keyids = {a.keyid, b.keyid, c.keyid}, .threshold = 2};
  }
  const std::string text = WriteRoot(root, {&a, &c}).value();
  EXPECT_NE(text.find(R"("expires":"2030-01-01T00:00:00Z")"), std::string::npos);
  const SignedFile<Root> read = ReadRoot(text).value();
  EXPECT_EQ(read.role, root);
  EXPECT_EQ(read.signatures.size(), 2u);
  EXPECT_TRUE(
      VerifyThreshold("root", read.signed_bytes, read.signatures, root.keys, root.roles["root"])
          .ok());
  // One key signing is below the threshold; a changed byte verifies with nobody.
  const SignedFile<Root> one = ReadRoot(WriteRoot(root, {&b}).value()).value();
  Status below =
      VerifyThreshold("root", one.signed_bytes, one.signatures, root.keys, root.roles["root"]);
  ASSERT_FALSE(below.ok());
  EXPECT_NE(below.error().message().find("1 valid signatures of the threshold of 2"),
            std::string::npos);
  std::string changed = read.signed_bytes;
  changed[changed.find("\"version\":3")] = ' ';
  EXPECT_FALSE(
      VerifyThreshold("root", changed, read.signatures, root.keys, root.roles["root"]).ok());

  Targets targets{.version = 2, .expires = 1893456000, .targets = {}, .delegations = {}};
  targets.targets["testing/hello/1/hello.eif"] = {
      .length = 5, .hashes = {{"sha256", Bytes(32, 1)}}, .custom = {{"commit", "abc"}}};
  targets.delegations = Delegations{.keys = {{a.keyid, a.key}},
                                    .roles = {{.name = "testing",
                                               .keys = {.keyids = {a.keyid}, .threshold = 1},
                                               .paths = {"testing/*/*/*"},
                                               .terminating = true}}};
  EXPECT_EQ(ReadTargets(WriteTargets(targets, {&b}).value())->role, targets);
  Snapshot snapshot{.version = 7, .expires = 1893456000, .meta = {}};
  snapshot.meta["targets.json"] = {.version = 2, .length = std::nullopt, .hashes = {}};
  snapshot.meta["testing.json"] = {
      .version = 4, .length = 10, .hashes = {{"sha256", Bytes(32, 2)}}};
  EXPECT_EQ(ReadSnapshot(WriteSnapshot(snapshot, {&b}).value())->role, snapshot);
  Timestamp timestamp{
      .version = 9, .expires = 1893456000, .snapshot = {.version = 7, .length = 99, .hashes = {}}};
  EXPECT_EQ(ReadTimestamp(WriteTimestamp(timestamp, {&b}).value())->role, timestamp);
}

TEST(MetadataTest, TargetsEncodedDirectlyAreTheTreesCanonicalBytes) {
  const SigningKey a = NewKey();
  Targets targets{.version = 12, .expires = 1893456000, .targets = {}, .delegations = {}};
  EXPECT_EQ(CanonicalTargets(targets).value(), CanonicalJson(TargetsJson(targets)).value());
  targets.targets["testing/hello/1/hello.eif"] = {
      .length = 5, .hashes = {{"sha256", Bytes(32, 1)}}, .custom = {{"commit", "a\"b\\c"}}};
  targets.targets["testing/hello/1/SHA256SUMS"] = {
      .length = 0, .hashes = {{"sha512", Bytes(64, 3)}, {"sha256", Bytes(32, 2)}}, .custom = {}};
  targets.targets["testing/a/2/x"] = {
      .length = 1u << 31, .hashes = {{"sha256", Bytes(32, 4)}}, .custom = {{"z", ""}, {"b", "1"}}};
  EXPECT_EQ(CanonicalTargets(targets).value(), CanonicalJson(TargetsJson(targets)).value());
  targets.delegations = Delegations{.keys = {{a.keyid, a.key}},
                                    .roles = {{.name = "testing",
                                               .keys = {.keyids = {a.keyid}, .threshold = 1},
                                               .paths = {"testing/*/*/*"},
                                               .terminating = true}}};
  EXPECT_EQ(CanonicalTargets(targets).value(), CanonicalJson(TargetsJson(targets)).value());
  targets.targets["testing/a/2/\xc3\xa9"] = {.length = 1, .hashes = {}, .custom = {}};
  EXPECT_FALSE(CanonicalTargets(targets).ok());
}

TEST(MetadataTest, ReencodingTheHeadGivesTheBytesOfAFullEncoding) {
  const SigningKey a = NewKey();
  Targets targets{.version = 9, .expires = 1893456000, .targets = {}, .delegations = {}};
  for (int i = 0; i < 50; ++i) {
    targets.targets["testing/hello/" + std::to_string(i) + "/hello.eif"] = {
        .length = 5, .hashes = {{"sha256", Bytes(32, 1)}}, .custom = {{"n", std::to_string(i)}}};
  }
  EncodedTargets encoded;
  ASSERT_TRUE(EncodeTargets(targets, encoded).ok());
  EXPECT_EQ(encoded.bytes, CanonicalJson(TargetsJson(targets)).value());
  EXPECT_EQ(encoded.bytes.substr(encoded.files_begin, 2), "{\"");
  EXPECT_EQ(encoded.bytes[encoded.files_end - 1], '}');
  // A new version and expiry (9 -> 10 changes the tail's length), then a head of another
  // length (delegations), then back: each time the bytes a full encoding writes.
  targets.version = 10;
  targets.expires = 1893459999;
  ASSERT_TRUE(EncodeTargetsHead(targets, encoded).ok());
  EXPECT_EQ(encoded.bytes, CanonicalTargets(targets).value());
  targets.delegations = Delegations{.keys = {{a.keyid, a.key}},
                                    .roles = {{.name = "testing",
                                               .keys = {.keyids = {a.keyid}, .threshold = 1},
                                               .paths = {"testing/*/*/*"},
                                               .terminating = true}}};
  ASSERT_TRUE(EncodeTargetsHead(targets, encoded).ok());
  EXPECT_EQ(encoded.bytes, CanonicalTargets(targets).value());
  targets.delegations.reset();
  targets.version = 1000000;
  ASSERT_TRUE(EncodeTargetsHead(targets, encoded).ok());
  EXPECT_EQ(encoded.bytes, CanonicalTargets(targets).value());
  // Nothing encoded yet, or a failed encoding: refused, and left empty.
  EncodedTargets none;
  EXPECT_FALSE(EncodeTargetsHead(targets, none).ok());
  targets.targets["testing/a/2/\xc3\xa9"] = {.length = 1, .hashes = {}, .custom = {}};
  EXPECT_FALSE(EncodeTargets(targets, encoded).ok());
  EXPECT_TRUE(encoded.bytes.empty());
  EXPECT_FALSE(EncodeTargetsHead(targets, encoded).ok());
}

TEST(MetadataTest, AFileWrittenInPiecesIsTheFileWrittenWhole) {
  const SigningKey a = NewKey(), b = NewKey();
  Targets targets{.version = 2, .expires = 1893456000, .targets = {}, .delegations = {}};
  targets.targets["testing/hello/1/hello.eif"] = {
      .length = 5, .hashes = {{"sha256", Bytes(32, 1)}}, .custom = {}};
  const std::string signed_bytes = CanonicalTargets(targets).value();
  const std::string whole = WriteTargets(targets, {&a, &b}).value();
  EXPECT_EQ(SignaturesOpening(signed_bytes, {&b, &a}).value() + signed_bytes + "}", whole);
  auto read = ReadTargets(whole);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->signed_bytes, signed_bytes);
  EXPECT_EQ(read->signatures.size(), 2u);
}

TEST(MetadataTest, StrictReadersNameWhatTheyRefuse) {
  const SigningKey a = NewKey();
  Root root{.version = 1,
            .expires = 0,
            .consistent_snapshot = true,
            .keys = {{a.keyid, a.key}},
            .roles = {}};
  for (const char* name : {"root", "targets", "snapshot", "timestamp"}) {
    root.roles[name] = RoleKeys{.keyids = {a.keyid}, .threshold = 1};
  }
  const std::string text = WriteRoot(root, {&a}).value();
  auto refused = [](const std::string& bad, const std::string& what) {
    Result<SignedFile<Root>> read = ReadRoot(bad);
    ASSERT_FALSE(read.ok()) << what;
    EXPECT_NE(read.error().message().find(what), std::string::npos) << read.error().message();
  };
  std::string extra = text;
  extra.insert(extra.find("\"consistent_snapshot\""), "\"more\":1,");
  refused(extra, "unknown key \"more\"");
  std::string type = text;
  type.replace(type.find("\"_type\":\"root\""), 14, "\"_type\":\"roox\"");
  refused(type, "$.signed._type");
  std::string spec = text;
  spec.replace(spec.find("\"1.0.31\""), 8, "\"2.0.00\"");
  refused(spec, "must be 1.x");
  std::string expires = text;
  expires.replace(expires.find("1970-01-01T00:00:00Z"), 20, "1970-01-01T00:00:00+");
  refused(expires, "YYYY-MM-DDTHH:MM:SSZ");
  std::string id = text;
  id.replace(id.find("\"keys\":{\"" + a.keyid) + 9, 4, "0000");
  refused(id, "is not that key's id");
  std::string twice = text;
  const std::size_t sig = twice.find("{\"keyid\"");
  const std::size_t end = twice.find('}', sig) + 1;
  twice.insert(end, "," + twice.substr(sig, end - sig));
  refused(twice, "signs twice");
}

TEST(MetadataTest, PathPatternsDoNotCrossSlashes) {
  EXPECT_TRUE(PathMatches("testing/*/*/*", "testing/hello/12/hello.eif"));
  EXPECT_FALSE(PathMatches("testing/*/*/*", "testing/hello/12/sub/hello.eif"));
  EXPECT_FALSE(PathMatches("testing/*/*/*", "current/hello/12/hello.eif"));
  EXPECT_FALSE(PathMatches("testing/*", "testing/a/b"));
  EXPECT_TRUE(PathMatches("a/*.eif", "a/x.eif"));
  EXPECT_TRUE(PathMatches("a/*", "a/"));
  EXPECT_FALSE(PathMatches("a/*.eif", "a/x.eif.sig"));
}

}  // namespace
}  // namespace vigil::tuf
