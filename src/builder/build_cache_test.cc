// The build cache, the publisher's Reread/Republish, pinned inputs and their configuration,
// on real files in temporary directories.
#include "builder/build_cache.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "builder/build_steps.h"
#include "builder/builder_config.h"
#include "builder/external_input.h"
#include "builder/publisher.h"
#include "tlog/store.h"

namespace vigil::builder {
namespace {

class BuildCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-build-cache-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }
  const fs::path& dir() const { return temp_->path(); }
  void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }
  // A real ledger key, from a log store of our own.
  std::string VerifierKey() {
    EXPECT_TRUE(tlog::LogStore::Init(dir() / "log", "example.com/ledger").ok());
    auto store = tlog::LogStore::Open(dir() / "log");
    return store.ok() ? (*store)->verifier_key() : "";
  }
  static crypto::Sha256Digest DigestOf(const std::string& text) {
    return crypto::Sha256(AsBytes(text));
  }
  // A publication of one artifact, published from a fresh dist directory.
  Result<PublishedBuild> PublishOne(Publisher& publisher, const std::string& id) {
    const fs::path dist = dir() / ("dist-" + id);
    Write(dist / "bzImage", "kernel " + id);
    Publication publication{.component = "kernel",
                            .version = "v1",
                            .commit = std::string(40, 'a'),
                            .build_id = id,
                            .ledger_index = 7,
                            .signers = {"FPR"},
                            .key_id = "SHA256:key",
                            .artifacts = {{"bzImage", DigestOf("kernel " + id)}},
                            .envelope = "{\"envelope\":1}\n",
                            .receipt = "receipt\n"};
    return publisher.Publish(publication, dist);
  }
  std::unique_ptr<TempDir> temp_;
};

TEST_F(BuildCacheTest, EveryInputChangesTheKey) {
  CacheInputs base{.component = "kernel",
                   .signing_key = "release",
                   .command = {"vigil", "kernel", "build"},
                   .tree_id = std::string(40, 't'),
                   .source_date_epoch = 1,
                   .inputs = {{.pinned = {"src.deb", {}}, .package = "p", .version = "1"}},
                   .tools_sha256 = "tools",
                   .packages_sha256 = "packages"};
  const std::string key = CacheKey(CacheKeyText(base));
  EXPECT_EQ(key, CacheKey(CacheKeyText(base)));
  std::vector<CacheInputs> changed(8, base);
  changed[0].component = "other";
  changed[1].signing_key = "other";
  changed[2].command.push_back("--jobs");
  changed[3].tree_id = std::string(40, 'u');
  changed[4].source_date_epoch = 2;
  changed[5].inputs[0].pinned.sha256[0] = 1;
  changed[6].tools_sha256 = "other";
  changed[7].packages_sha256 = "other";
  for (const CacheInputs& one : changed) EXPECT_NE(CacheKey(CacheKeyText(one)), key);
}

TEST_F(BuildCacheTest, DirectoryDigestCoversNamesAndContents) {
  Write(dir() / "tools" / "vigil", "one");
  auto first = DirectoryDigest(dir() / "tools");
  ASSERT_TRUE(first.ok());
  Write(dir() / "tools" / "vigil", "two");
  EXPECT_NE(*DirectoryDigest(dir() / "tools"), *first);
  Write(dir() / "tools" / "vigil", "one");
  EXPECT_EQ(*DirectoryDigest(dir() / "tools"), *first);
  Write(dir() / "tools" / "extra", "");
  EXPECT_NE(*DirectoryDigest(dir() / "tools"), *first);
}

TEST_F(BuildCacheTest, RecordsAreFoundUntilForgotten) {
  const BuildCache cache(dir() / "cache");
  EXPECT_FALSE(cache.Find("k").has_value());
  ASSERT_TRUE(cache.Store("k", "text", "{\"entry\":1}").ok());
  EXPECT_EQ(cache.Find("k"), std::optional<std::string>("{\"entry\":1}"));
  Write(dir() / "cache" / "bad.json", "not json");
  EXPECT_FALSE(cache.Find("bad").has_value());
  cache.Forget("k");
  EXPECT_FALSE(cache.Find("k").has_value());
}

TEST_F(BuildCacheTest, RepublishingPointsTheIndexBackAfterCheckingTheFiles) {
  Publisher publisher(dir() / "repo");
  auto first = PublishOne(publisher, "kernel-1");
  ASSERT_TRUE(first.ok()) << first.error().message();
  ASSERT_TRUE(PublishOne(publisher, "kernel-2").ok());
  auto index = [&] {
    auto bytes = ReadFile(dir() / "repo/testing/index.json", 1 << 20);
    return bytes.ok() ? std::string(AsText(*bytes)) : std::string();
  };
  ASSERT_EQ(index().find("kernel-1"), std::string::npos);

  auto reread = publisher.Reread(first->entry);
  ASSERT_TRUE(reread.ok()) << reread.error().message();
  EXPECT_EQ(reread->publication.envelope, "{\"envelope\":1}\n");
  EXPECT_EQ(reread->publication.receipt, "receipt\n");
  EXPECT_EQ(reread->publication.artifacts, first->publication.artifacts);
  ASSERT_TRUE(publisher.Republish(*reread).ok());
  EXPECT_NE(index().find("\"path\": \"kernel/kernel-1\""), std::string::npos);

  // A changed artifact is never published again.
  Write(first->dir / "bzImage", "tampered");
  auto tampered = publisher.Reread(first->entry);
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.error().message().find("was changed"), std::string::npos);
  fs::remove_all(first->dir);
  EXPECT_FALSE(publisher.Reread(first->entry).ok());
  // Nor is an entry that points outside its component's directory.
  std::string escaping = first->entry;
  escaping.replace(escaping.find("\"path\":\"kernel/kernel-1\""), 24, "\"path\":\"../x/kernel-1\"");
  EXPECT_FALSE(publisher.Reread(escaping).ok());
}

TEST_F(BuildCacheTest, InputsComeFromTheStoreOnlyWhenTheyMatchTheirPin) {
  EXPECT_TRUE(IsInputName("linux-source-6.12_6.12.118-1~deb12u1_all.deb"));
  EXPECT_FALSE(IsInputName(".hidden"));
  EXPECT_FALSE(IsInputName("a/b"));
  EXPECT_FALSE(IsInputName(""));
  const ExternalInput input{.pinned = {"src.tar", DigestOf("source")},
                            .url = "http://127.0.0.1:9/src.tar"};  // discard port: refused
  const InputStore store(dir() / "inputs");
  Write(dir() / "inputs" / input.pinned.hex(), "source");
  auto found = store.Ensure(input);
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_FALSE(found->fetched);

  ComponentConfig component;
  component.inputs = {input};
  std::vector<std::string> said;
  auto mounted = EnsureInputs(store, component, [&](const std::string& line) {
    said.push_back(line);
    return true;
  });
  ASSERT_TRUE(mounted.ok());
  EXPECT_EQ(mounted->at(0).second, "src.tar");
  ASSERT_EQ(said.size(), 1u);
  EXPECT_EQ(said[0], "input: src.tar from http://127.0.0.1:9/src.tar sha256 " + input.pinned.hex() +
                         " (in the builder's store, verified), read-only at /inputs/src.tar");

  // A damaged copy is dropped and fetched again; here the source is unreachable.
  Write(dir() / "inputs" / input.pinned.hex(), "damaged");
  auto refetched = store.Ensure(input);
  ASSERT_FALSE(refetched.ok());
  EXPECT_EQ(refetched.error().code(), ErrorCode::kMissingEnv);
  EXPECT_FALSE(fs::exists(dir() / "inputs" / input.pinned.hex()));
}

TEST_F(BuildCacheTest, TheConfigurationPinsInputsStrictly) {
  const std::string head =
      "[service]\nlisten = [\"unix:b.sock\"]\ncert = \"c\"\nkey = \"k\"\nca = \"ca\"\n"
      "policy = \"p\"\naudit_log = \"a\"\nwork_dir = \"w\"\nrepository = \"r\"\n"
      "[ledger]\naddress = \"unix:l.sock\"\nverifier_key = \"" +
      VerifierKey() +
      "\"\n"
      "[signer]\naddress = \"unix:s.sock\"\n[limits]\nbuild_seconds = 600\n"
      "[components.kernel]\nrepository = \"/src\"\nspec = \"k.toml\"\ncommit = \"" +
      std::string(40, 'a') + "\"\nkey = \"release\"\n";
  const std::string pin = "sha256 = \"" + std::string(64, 'b') + "\"\n";
  auto load = [&](const std::string& rest) {
    Write(dir() / "builder.toml", head + rest);
    return LoadBuilderConfig(dir() / "builder.toml", dir());
  };
  auto plain = load("");
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(plain->components.at("kernel").build_timeout, std::chrono::seconds(600));
  EXPECT_FALSE(plain->components.at("kernel").cache);

  auto full = load(
      "build_seconds = 1800\ncache = true\n[components.kernel.inputs.\"b.deb\"]\n"
      "debian = \"linux-source-6.12=6.12.118-1~deb12u1\"\n" +
      pin + "[components.kernel.inputs.\"a.tar\"]\nurl = \"https://example.org/a.tar\"\n" + pin);
  ASSERT_TRUE(full.ok()) << full.error().message();
  const ComponentConfig& kernel = full->components.at("kernel");
  EXPECT_EQ(kernel.build_timeout, std::chrono::seconds(1800));
  EXPECT_TRUE(kernel.cache);
  ASSERT_EQ(kernel.inputs.size(), 2u);
  EXPECT_EQ(kernel.inputs[0].Source(), "https://example.org/a.tar");
  EXPECT_EQ(kernel.inputs[1].Source(), "debian:linux-source-6.12=6.12.118-1~deb12u1");

  const std::pair<std::string, std::string> wrong[] = {
      {"[components.kernel.inputs.x]\n" + pin, "needs exactly one source"},
      {"[components.kernel.inputs.x]\ndebian = \"p=1\"\nurl = \"https://e/x\"\n" + pin,
       "needs exactly one source"},
      {"[components.kernel.inputs.x]\ndebian = \"p\"\n" + pin, "PACKAGE=VERSION"},
      {"[components.kernel.inputs.x]\ndebian = \"pkg=1 --option\"\n" + pin, "PACKAGE=VERSION"},
      {"[components.kernel.inputs.x]\nurl = \"file:///etc/passwd\"\n" + pin, "http(s) URL"},
      {"[components.kernel.inputs.x]\nurl = \"https://e/x\"\nsha256 = \"B\"\n", "sha256"},
      {"[components.kernel.inputs.x]\nurl = \"https://e/x\"\n", "sha256"},
      {"[components.kernel.inputs.\"../x\"]\nurl = \"https://e/x\"\n" + pin, "a file name"},
      {"cache = \"yes\"\n", "true or false"},
      {"build_seconds = 0\n", "between 1 and 86400"}};
  for (const auto& [text, expected] : wrong) {
    auto refused = load(text);
    ASSERT_FALSE(refused.ok()) << text;
    EXPECT_NE(refused.error().message().find(expected), std::string::npos)
        << text << ": " << refused.error().message();
  }
}

}  // namespace
}  // namespace vigil::builder
