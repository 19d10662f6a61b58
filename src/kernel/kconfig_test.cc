#include "kernel/kconfig.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"

namespace vigil::kernel {
namespace {

TEST(KconfigTest, ReadsValuesCommentsAndNotSet) {
  auto values = ParseKconfig(
      "# a comment\n\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C=\"text \\\"q\\\"\"\n"
      "CONFIG_D=65536\nCONFIG_E=-1\nCONFIG_F=0x1000\n",
      "f.config");
  ASSERT_TRUE(values.ok()) << values.error().message();
  EXPECT_EQ(values->at("CONFIG_A"), "y");
  EXPECT_EQ(values->at("CONFIG_B"), "n");
  EXPECT_EQ(values->at("CONFIG_C"), "\"text \\\"q\\\"\"");
  EXPECT_EQ(values->at("CONFIG_D"), "65536");
  EXPECT_EQ(values->at("CONFIG_E"), "-1");
  EXPECT_EQ(values->at("CONFIG_F"), "0x1000");
  auto again = ParseKconfig(FormatKconfig(*values), "again");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *values);
}

TEST(KconfigTest, RefusesWhatIsNotKconfigNamingTheLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"CONFIG_A=y\nCONFIG_A=y\n", "f.config:2: CONFIG_A is set twice"},
      {"CONFIG_A=y\n# CONFIG_A is not set\n", "f.config:2: CONFIG_A is set twice"},
      {"CONFIG_A-B=y\n", "is not a Kconfig symbol"},
      {"A=y\n", "is not a Kconfig symbol"},
      {"CONFIG_A=yes\n", "f.config:1: the value of CONFIG_A must be"},
      {"CONFIG_A=\"open\n", "the value of CONFIG_A"},
      {"CONFIG_A=\"a\"b\"\n", "the value of CONFIG_A"},
      {"CONFIG_A y\n", "f.config:1: expected CONFIG_NAME=VALUE"},
      {"CONFIG_A=12345678901234567890123\n", "the value of CONFIG_A"},
  };
  for (const auto& [text, message] : cases) {
    auto values = ParseKconfig(text, "f.config");
    ASSERT_FALSE(values.ok()) << text;
    EXPECT_EQ(values.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(values.error().message().find(message), std::string::npos)
        << text << " -> " << values.error().message();
  }
  EXPECT_FALSE(ParseKconfig(std::string(kMaxConfigSize + 1, '#'), "big").ok());
}

TEST(KconfigTest, FragmentsMayNotOverrideEachOther) {
  auto same =
      MergeFragments({{"a.config", {{"CONFIG_X", "y"}}}, {"b.config", {{"CONFIG_X", "y"}}}});
  ASSERT_TRUE(same.ok());
  auto clash =
      MergeFragments({{"a.config", {{"CONFIG_X", "y"}}}, {"b.config", {{"CONFIG_X", "n"}}}});
  ASSERT_FALSE(clash.ok());
  EXPECT_NE(clash.error().message().find("b.config sets CONFIG_X=n but a.config sets it y"),
            std::string::npos)
      << clash.error().message();
}

TEST(KconfigTest, DeviationsCountAnAbsentSymbolAsNotSet) {
  const KconfigValues resolved = {{"CONFIG_A", "y"}, {"CONFIG_B", "y"}};
  auto deviations = FindDeviations({{"base.config", {{"CONFIG_A", "y"}, {"CONFIG_B", "n"}}},
                                    {"aws.config", {{"CONFIG_C", "y"}, {"CONFIG_D", "n"}}},
                                    {"again.config", {{"CONFIG_C", "y"}}}},
                                   resolved);
  ASSERT_EQ(deviations.size(), 2u);
  EXPECT_EQ(deviations[0].symbol, "CONFIG_B");
  EXPECT_EQ(deviations[0].resolved, "y");
  EXPECT_EQ(deviations[1].symbol, "CONFIG_C");
  EXPECT_EQ(deviations[1].resolved, "n");
  EXPECT_EQ(deviations[1].origin, "aws.config");
}

TEST(KconfigTest, TheIndexExplainsADroppedSymbolByItsDependencies) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "kconfig-test-");
  ASSERT_TRUE(dir.ok());
  std::filesystem::create_directories(dir->path() / "net" / "vsock");
  std::filesystem::create_directories(dir->path() / "arch" / "x86");
  std::filesystem::create_directories(dir->path() / "Documentation");
  std::ofstream(dir->path() / "Kconfig") << "source \"arch/$(SRCARCH)/Kconfig\"\n"
                                            "menuconfig NET\n\tbool \"net\"\n"
                                            "if NET\nsource \"net/vsock/Kconfig\"\nendif # NET\n"
                                            "config AFTER\n\tbool \"after\"\n";
  std::ofstream(dir->path() / "arch" / "x86" / "Kconfig") << "config LONE\n\tbool \"lone\"\n";
  std::ofstream(dir->path() / "net" / "vsock" / "Kconfig")
      << "config VSOCKETS\n\tbool \"vsock\"\n\thelp\n\t  if unsure, say Y\n\n"
         "config VIRTIO_VSOCKETS\n\tbool \"virtio\"\n\tdepends on VSOCKETS && VIRTIO\n";
  std::ofstream(dir->path() / "Documentation" / "Kconfig") << "config ONLY_IN_DOCS\n";
  auto index = KconfigIndex::Load(dir->path());
  ASSERT_TRUE(index.ok()) << index.error().message();
  EXPECT_TRUE(index->Defines("CONFIG_VSOCKETS"));
  EXPECT_TRUE(index->Defines("CONFIG_LONE"));
  EXPECT_FALSE(index->Defines("CONFIG_ONLY_IN_DOCS"));
  EXPECT_EQ(index->DependsOn("CONFIG_VIRTIO_VSOCKETS"),
            "inside if NET; depends on VSOCKETS && VIRTIO");
  EXPECT_EQ(index->DependsOn("CONFIG_LONE"), "");
  EXPECT_EQ(index->DependsOn("CONFIG_VSOCKETS"), "inside if NET");  // help text is no "if"
  EXPECT_EQ(index->DependsOn("CONFIG_AFTER"), "");                  // "endif # NET" ends it
  EXPECT_FALSE(KconfigIndex::Load(dir->path() / "net").ok());
  const std::string text = DescribeDeviations({{"CONFIG_VIRTIO_VSOCKETS", "y", "n", "aws.config"},
                                               {"CONFIG_MISSPELT", "y", "n", "base.config"}},
                                              *index);
  EXPECT_NE(text.find("CONFIG_VIRTIO_VSOCKETS: aws.config requests y, Kconfig resolved n "
                      "(inside if NET; depends on VSOCKETS && VIRTIO)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("CONFIG_MISSPELT: base.config requests y, Kconfig resolved n (no Kconfig "
                      "file in this source defines it"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace vigil::kernel
