#include "image/builder.h"

#include <gtest/gtest.h>

#include <set>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "image/test_util.h"

namespace vigil::image {
namespace {

using testing::ScratchDir;

class BuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kernel_ = dir_.Write("in/vmlinuz", std::string(5000, 'K'));
    dir_.Write("in/init", "#!init");
    dir_.Write("in/app", "app-binary");
    dir_.Write("in/motd", "welcome\n");
  }

  std::string Spec(const std::string& extra = "") {
    std::string hash = HexEncode(crypto::Sha256(*ReadFile(kernel_, 1 << 20)));
    return "name = \"demo\"\nsource_date_epoch = 1700000000\noutputs = [\"generic\", \"aws\"]\n"
           "[kernel]\npath = \"in/vmlinuz\"\nsha256 = \"" +
           hash +
           "\"\ncmdline = \"console=ttyS0\"\n[init]\npath = \"in/init\"\n"
           "[target]\npath = \"in/app\"\n[[files]]\nsource = \"in/motd\"\n"
           "destination = \"/etc/motd\"\n" +
           extra;
  }

  Result<BuildSummary> Build(const std::string& spec_text, const std::string& out_name) {
    auto spec = ParseSpec(spec_text, dir_.path(), "spec.toml", std::nullopt);
    if (!spec.ok()) return spec.error();
    return BuildImage(*spec, {.out_dir = dir_.path() / out_name});
  }

  // Only the inputs and the given extra names remain in the scratch directory.
  void ExpectNothingLeftBut(std::set<std::string> names) {
    names.insert("in");
    std::set<std::string> seen;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      seen.insert(e.path().filename().string());
    }
    EXPECT_EQ(seen, names);
  }

  ScratchDir dir_;
  std::filesystem::path kernel_;
};

TEST_F(BuilderTest, WritesEveryOutputAndSums) {
  auto summary = Build(Spec(), "out");
  ASSERT_TRUE(summary.ok()) << summary.error().message();
  std::vector<std::string> names;
  for (const auto& f : summary->files) names.push_back(f.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"SHA256SUMS", "cmdline", "demo.eif", "demo.pcrs",
                                      "demo.resolved.toml", "initramfs.cpio.gz", "vmlinuz"}));
  auto sums = ReadFile(dir_.path() / "out/SHA256SUMS", 4096);
  ASSERT_TRUE(sums.ok());
  for (const auto& f : summary->files) {
    if (f.name == "SHA256SUMS") continue;
    auto data = ReadFile(dir_.path() / "out" / f.name, 1 << 20);
    ASSERT_TRUE(data.ok());
    EXPECT_EQ(crypto::Sha256(*data), f.sha256);
    EXPECT_NE(AsText(*sums).find(f.hex() + "  " + f.name + "\n"), std::string::npos);
  }
  ASSERT_TRUE(summary->pcrs.has_value());
  auto pcrs = ReadFile(dir_.path() / "out/demo.pcrs", 4096);
  EXPECT_EQ(AsText(*pcrs), FormatPcrs(*summary->pcrs));
  ExpectNothingLeftBut({"out"});
}

TEST_F(BuilderTest, SameInputsGiveIdenticalBytes) {
  auto a = Build(Spec(), "a");
  auto b = Build(Spec(), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->files.size(), b->files.size());
  for (std::size_t i = 0; i < a->files.size(); ++i) {
    EXPECT_EQ(a->files[i].sha256, b->files[i].sha256) << a->files[i].name;
  }
}

TEST_F(BuilderTest, HashMismatchFailsAndLeavesNothing) {
  std::string spec = Spec();
  dir_.Write("in/vmlinuz", std::string(5001, 'K'));
  auto r = Build(spec, "out");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(r.error().message().find("but the spec pins"), std::string::npos);
  ExpectNothingLeftBut({});
}

TEST_F(BuilderTest, PinnedTargetMismatchFails) {
  std::string spec = Spec();
  spec.replace(spec.find("path = \"in/app\""), 15,
               "path = \"in/app\"\nsha256 = \"" + std::string(64, '0') + "\"");
  auto r = Build(spec, "out");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("target"), std::string::npos);
  ExpectNothingLeftBut({});
}

TEST_F(BuilderTest, MissingAndSymlinkedInputsFail) {
  std::filesystem::rename(dir_.path() / "in/motd", dir_.path() / "in/motd.real");
  auto missing = Build(Spec(), "out");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("does not exist"), std::string::npos);
  std::filesystem::create_symlink("motd.real", dir_.path() / "in/motd");
  auto link = Build(Spec(), "out");
  ASSERT_FALSE(link.ok());
  EXPECT_NE(link.error().message().find("symbolic link"), std::string::npos);
  ExpectNothingLeftBut({});
}

TEST_F(BuilderTest, RefusesAnExistingOutputDirectory) {
  std::filesystem::create_directory(dir_.path() / "out");
  dir_.Write("out/keep", "mine");
  auto r = Build(Spec(), "out");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("already exists"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "out/keep"));
}

TEST_F(BuilderTest, CompressionChoiceNamesTheInitramfs) {
  std::string spec = Spec();
  spec.insert(spec.find("[kernel]"), "compression = \"zstd\"\n");
  auto z = Build(spec, "zz");
  ASSERT_TRUE(z.ok()) << z.error().message();
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "zz/initramfs.cpio.zst"));
  spec = Spec();
  spec.insert(spec.find("[kernel]"), "compression = \"none\"\n");
  auto n = Build(spec, "nn");
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "nn/initramfs.cpio"));
}

TEST_F(BuilderTest, EpochChangesOutputs) {
  auto a = Build(Spec(), "a");
  std::string spec = Spec();
  spec.replace(spec.find("1700000000"), 10, "1700000001");
  auto b = Build(spec, "b");
  ASSERT_TRUE(a.ok() && b.ok());
  auto find = [](const BuildSummary& s, const std::string& name) {
    for (const auto& f : s.files) {
      if (f.name == name) return f.hex();
    }
    return std::string();
  };
  EXPECT_NE(find(*a, "initramfs.cpio.gz"), find(*b, "initramfs.cpio.gz"));
  EXPECT_EQ(find(*a, "vmlinuz"), find(*b, "vmlinuz"));
}

}  // namespace
}  // namespace vigil::image
