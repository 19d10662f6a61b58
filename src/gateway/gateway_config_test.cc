// The gateway's configuration: one [builder] or a pool of [[builder]] tables.
#include "gateway/gateway_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"

namespace vigil::gateway {
namespace {

namespace fs = std::filesystem;

class GatewayConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_ = std::make_unique<TempDir>(
        std::move(TempDir::Create(fs::temp_directory_path(), "vigil-gateway-config.")).value());
  }
  Result<GatewayConfig> Load(const std::string& builders) {
    const fs::path file = temp_->path() / "gateway.toml";
    std::ofstream(file) << "[gateway]\nstate_dir = \"state\"\naudit_log = \"audit.log\"\n"
                        << builders;
    return ReadGatewayConfig(file);
  }
  static std::string Builder(const std::string& header, const std::string& name,
                             const std::string& extra = "") {
    return header + "\naddress = \"tcp:10.0.0.2:7000\"\ncertificate = \"gw.crt\"\n" +
           "key = \"gw.key\"\nca = \"ca.crt\"\nname = \"" + name + "\"\n" + extra;
  }
  std::unique_ptr<TempDir> temp_;
};

TEST_F(GatewayConfigTest, OneBuilderOrAPool) {
  auto one = Load(Builder("[builder]", "builder"));
  ASSERT_TRUE(one.ok()) << one.error().message();
  ASSERT_EQ(one->builders.size(), 1u);
  EXPECT_TRUE(one->builders[0].components.empty());

  auto pool = Load(Builder("[[builder]]", "builder-a", "components = [\"kernel\"]\n") +
                   Builder("[[builder]]", "builder-b"));
  ASSERT_TRUE(pool.ok()) << pool.error().message();
  ASSERT_EQ(pool->builders.size(), 2u);
  EXPECT_EQ(pool->builders[0].peer.name, "builder-a");
  EXPECT_EQ(pool->builders[0].components, std::vector<std::string>{"kernel"});
  EXPECT_EQ(pool->builders[1].peer.address, "tcp:10.0.0.2:7000");

  EXPECT_TRUE(Load("").value().builders.empty());
}

TEST_F(GatewayConfigTest, RefusesTwoBuildersOfOneNameAndStrayKeys) {
  auto twice = Load(Builder("[[builder]]", "builder-a") + Builder("[[builder]]", "builder-a"));
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message().find("two builders are named builder-a"), std::string::npos)
      << twice.error().message();
  EXPECT_FALSE(Load(Builder("[[builder]]", "b", "componnets = [\"x\"]\n")).ok());
  EXPECT_FALSE(Load(Builder("[[builder]]", "b", "components = \"x\"\n")).ok());
  EXPECT_FALSE(Load("builder = 3\n").ok());
}

TEST_F(GatewayConfigTest, TheQueueInADatabaseOrInStateDir) {
  EXPECT_TRUE(Load("").value().database.empty());
  // Load's text continues the [gateway] table.
  auto shared = Load("database = \"postgresql:///vigil?host=/run/postgresql\"\n");
  ASSERT_TRUE(shared.ok()) << shared.error().message();
  EXPECT_EQ(shared->database, "postgresql:///vigil?host=/run/postgresql");
  auto wrong = Load("database = \"mysql://db/vigil\"\n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message().find("must start with postgresql://"), std::string::npos)
      << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("gateway.toml"), std::string::npos)
      << wrong.error().message();
  EXPECT_FALSE(Load("database = \"postgresql://db/vigil name\"\n").ok());
}

}  // namespace
}  // namespace vigil::gateway
