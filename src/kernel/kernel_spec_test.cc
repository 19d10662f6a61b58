#include "kernel/kernel_spec.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"
#include "kernel/target.h"

namespace vigil::kernel {
namespace {

constexpr char kSha[] = "896aff3b39299fa0dd36fef4f5db56ab189182e39abbbb1227dafdc7fcfe3fc3";

class KernelSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "kernel-spec-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = std::make_unique<TempDir>(std::move(dir).value());
    std::filesystem::create_directories(dir_->path() / "fragments");
    std::ofstream(dir_->path() / "fragments" / "base.config") << "CONFIG_64BIT=y\n";
    std::ofstream(dir_->path() / "fragments" / "aws.config") << "CONFIG_NSM=y\n";
  }
  std::filesystem::path File() const { return dir_->path() / "kernel.toml"; }

  static std::string Spec(const std::string& top, const std::string& source) {
    return "name = \"vigil-6.12\"\nsource_date_epoch = 1700000000\n" + top +
           "\n[source]\npackage = \"linux-source-6.12\"\n" + source;
  }
  static std::string Good() {
    return Spec(
        "targets = [\"generic\", \"aws\"]\n"
        "fragments = [\"fragments/base.config\", \"fragments/aws.config\"]",
        "version = \"6.12.118-1~deb12u1\"\nsha256 = \"" + std::string(kSha) + "\"\n");
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(KernelSpecTest, ReadsAGoodSpec) {
  auto spec = ParseKernelSpec(Good(), File());
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  EXPECT_EQ(spec->name, "vigil-6.12");
  EXPECT_EQ(spec->source_date_epoch, 1700000000u);
  EXPECT_EQ(spec->targets, (std::vector<Target>{Target::kGeneric, Target::kAws}));
  ASSERT_EQ(spec->fragments.size(), 2u);
  EXPECT_EQ(spec->fragments[0], dir_->path() / "fragments" / "base.config");
  EXPECT_EQ(spec->source.package, "linux-source-6.12");
  EXPECT_EQ(crypto::Sha256Hex(spec->source.deb_sha256), kSha);
  EXPECT_EQ(spec->source.DebFileName(), "linux-source-6.12_6.12.118-1~deb12u1_all.deb");
  SourcePin epoch{"p", "1:2.0-1", {}};
  EXPECT_EQ(epoch.DebFileName(), "p_1%3a2.0-1_all.deb");
}

TEST_F(KernelSpecTest, RefusesBadSpecsNamingTheProblem) {
  const std::string fragments = "fragments = [\"fragments/base.config\"]\n";
  const std::string source =
      "version = \"6.12.118-1~deb12u1\"\nsha256 = \"" + std::string(kSha) + "\"\n";
  const std::pair<std::string, const char*> cases[] = {
      {Spec("targets = [\"generic\"]\n" + fragments + "extra = 1", source), "extra"},
      {Spec("targets = [\"generic\"]\n" + fragments,
            "version = \"6.12\"\nsha256 = \"" + std::string(63, 'a') + "\"\n"),
       "source.sha256 must be 64 lowercase hex digits"},
      {Spec("targets = [\"generic\"]\n" + fragments,
            "version = \"x y\"\nsha256 = \"" + std::string(kSha) + "\"\n"),
       "is not a Debian version"},
      {Spec("targets = [\"arm\"]\n" + fragments, source), "unknown target 'arm'"},
      {Spec("targets = [\"aws\", \"aws\"]\n" + fragments, source), "target aws is listed twice"},
      {Spec("targets = []\n" + fragments, source), "targets must list"},
      {Spec("targets = [\"aws\"]\nfragments = [\"fragments/missing.config\"]", source),
       "fragment fragments/missing.config"},
      {Spec("targets = [\"aws\"]\nfragments = [\"fragments/base.config\", "
            "\"fragments/../fragments/base.config\"]",
            source),
       "is listed twice"},
      {Spec("targets = [\"aws\"]\nfragments = []", source), "fragments must list"},
      {"name = \"x\"\nsource_date_epoch = 1\ntargets = [\"aws\"]\n" + fragments,
       "[source] is missing"},
  };
  for (const auto& [text, message] : cases) {
    auto spec = ParseKernelSpec(text, File());
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(spec.error().message().find(message), std::string::npos)
        << text << "\n-> " << spec.error().message();
    EXPECT_NE(spec.error().message().find(File().string() + ":"), std::string::npos)
        << spec.error().message();
  }
}

TEST(TargetTest, EveryTargetRequiresNoModulesAndNoTcpIp) {
  for (Target target : {Target::kGeneric, Target::kAws, Target::kTpm}) {
    const KconfigValues required = TargetRequirements(target);
    EXPECT_EQ(required.at("CONFIG_MODULES"), "n");
    EXPECT_EQ(required.at("CONFIG_INET"), "n");
    EXPECT_EQ(required.at("CONFIG_IPV6"), "n");
    EXPECT_NE(RecommendedCmdline(target).find("console=ttyS0"), std::string::npos);
  }
  EXPECT_EQ(TargetRequirements(Target::kAws).at("CONFIG_NSM"), "y");
  EXPECT_EQ(TargetRequirements(Target::kGeneric).at("CONFIG_VIRTIO_PCI"), "y");
  EXPECT_EQ(TargetRequirements(Target::kTpm).at("CONFIG_EFI_STUB"), "y");
  EXPECT_EQ(TargetRequirements(Target::kTpm).at("CONFIG_TCG_TPM2_HMAC"), "n");
  EXPECT_EQ(*ParseTarget("aws"), Target::kAws);
  EXPECT_EQ(*ParseTarget("tpm"), Target::kTpm);
  EXPECT_EQ(TargetName(Target::kTpm), "tpm");
  EXPECT_FALSE(ParseTarget("AWS").ok());
}

}  // namespace
}  // namespace vigil::kernel
