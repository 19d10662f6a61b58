// vigil farm hosts: HOSTS.toml read strictly, and the per-host directories it writes read
// back through each service's own loader.
#include "farm/hosts.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "builder/builder_config.h"
#include "farm/host_layout.h"
#include "gateway/gateway_config.h"
#include "ledger/ledger_config.h"
#include "rpc/policy.h"
#include "signer/signer_config.h"

namespace vigil::farm {
namespace {

std::string Host(const std::string& name, const std::string& address, const std::string& roles,
                 const std::string& extra = "") {
  return "[[host]]\nname = \"" + name + "\"\naddress = \"" + address + "\"\nroles = " + roles +
         "\n" + extra + "\n";
}

std::string Deployment() {
  return "origin = \"vigil.test/ledger\"\n" + Host("ledger", "10.9.0.2", "[\"ledger\"]") +
         Host("signer", "10.9.0.3", "[\"signer\"]") +
         Host("builder-1", "10.9.0.4", "[\"builder\"]") +
         Host("builder-2", "10.9.0.5", "[\"builder\"]", "components = [\"hello\"]") +
         Host("front", "10.9.0.6", "[\"gateway\", \"witness\"]");
}

std::string ErrorOf(const std::string& text) {
  auto plan = ParseHostsPlan(text, "hosts.toml");
  return plan.ok() ? "(accepted)" : plan.error().message();
}

TEST(HostsPlanTest, ReadsHostsRolesAndComponents) {
  auto plan = ParseHostsPlan(Deployment(), "hosts.toml");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->origin, "vigil.test/ledger");
  ASSERT_EQ(plan->HostsOf("builder").size(), 2u);
  EXPECT_EQ(plan->HostsOf("builder")[1]->components, std::vector<std::string>{"hello"});
  EXPECT_EQ(plan->Only("gateway").name, "front");
  EXPECT_EQ(plan->HostsOf("witness").size(), 1u);
  EXPECT_EQ(TcpAddress(plan->Only("ledger"), kLedgerCallPort), "tcp:10.9.0.2:7001");
  HostSpec v6{"x", "fd00::4", {"builder"}, {}};
  EXPECT_EQ(TcpAddress(v6, 7003), "tcp:[fd00::4]:7003");
}

TEST(HostsPlanTest, MistakesAreRefusedWithFileLineAndWhatToDo) {
  const std::string base = Deployment();
  EXPECT_EQ(ErrorOf(base + "colour = \"blue\"\n").rfind("hosts.toml:", 0), 0u);
  EXPECT_NE(ErrorOf("colour = 1\n" + base).find("unknown key 'colour'"), std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("b3", "10.9.0.7", "[\"builder\"]", "adress = \"x\""))
                .find("hosts.toml:31: unknown key 'adress' in [[host]]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("builder-1", "10.9.0.7", "[\"builder\"]"))
                .find("two hosts are named builder-1"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("b3", "10.9.0.4", "[\"builder\"]")).find("share the address"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(base + Host("b3", "10.9.0.7", "[\"compiler\"]")).find("unknown role 'compiler'"),
      std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("s2", "10.9.0.7", "[\"signer\"]"))
                .find("the signer is on hosts signer and s2"),
            std::string::npos);
  const std::string two_ledgers = ErrorOf(base + Host("l2", "10.9.0.7", "[\"ledger\"]"));
  EXPECT_NE(two_ledgers.find("the ledger is on hosts ledger and l2: several ledgers share one "
                             "log in PostgreSQL: name it with a top-level database"),
            std::string::npos)
      << two_ledgers;
  EXPECT_NE(ErrorOf("database = \"mysql://db/vigil\"\n" + base)
                .find("hosts.toml:1: the database "
                      "URL must start with "
                      "postgresql://"),
            std::string::npos);
  EXPECT_NE(ErrorOf("database = 5\n" + base).find("database"), std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("b3", "10.9.0.7", "[\"builder\", \"builder\"]")).find("twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("b3", "10.9.0.7", "[]")).find("has no roles"), std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("b3", "10.9.0.7 ", "[\"builder\"]")).find("not a host name"),
            std::string::npos);
  EXPECT_NE(ErrorOf(base + Host("w2", "10.9.0.7", "[\"witness\"]", "components = [\"a\"]"))
                .find("components are for builder hosts"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(base + Host("Builder", "10.9.0.7", "[\"builder\"]")).find("host name 'Builder'"),
      std::string::npos);
  // A builder named like another role would carry that role's name in its certificate.
  auto renamed =
      ErrorOf(Host("ledger", "10.9.0.2", "[\"ledger\", \"builder\"]") +
              Host("signer", "10.9.0.3", "[\"signer\"]") + Host("g", "10.9.0.6", "[\"gateway\"]"));
  EXPECT_NE(renamed.find("a builder host may not be named ledger"), std::string::npos) << renamed;
  // A role without a host.
  std::string no_signer =
      "[[host]]\nname = \"a\"\naddress = \"10.0.0.1\"\n"
      "roles = [\"ledger\", \"gateway\"]\n" +
      Host("b", "10.0.0.2", "[\"builder\"]");
  EXPECT_EQ(ErrorOf(no_signer),
            "hosts.toml: no host runs the signer: add \"signer\" to the roles of a [[host]]");
  EXPECT_NE(ErrorOf("origin = \"x\"\n").find("needs [[host]] tables"), std::string::npos);
  EXPECT_NE(ErrorOf("[host]\nname = \"a\"\n").find("needs [[host]] tables"), std::string::npos);
}

// Two ledger hosts sharing the log in PostgreSQL, the database named at the top.
std::string SharedLogDeployment() {
  return "database = \"postgresql://vigil@10.9.0.8:5432/vigil\"\n" + Deployment() +
         Host("ledger-2", "10.9.0.7", "[\"ledger\"]");
}

TEST(HostsPlanTest, TwoLedgersShareALogWhenThePlanNamesTheDatabase) {
  auto plan = ParseHostsPlan(SharedLogDeployment(), "hosts.toml");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  EXPECT_EQ(plan->database, "postgresql://vigil@10.9.0.8:5432/vigil");
  ASSERT_EQ(plan->HostsOf("ledger").size(), 2u);
  EXPECT_EQ(plan->LedgerAddress(), "tcp:10.9.0.2:7001,tcp:10.9.0.7:7001");
  // Without a database, one ledger: its address alone.
  auto single = ParseHostsPlan(Deployment(), "hosts.toml");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->database, "");
  EXPECT_EQ(single->LedgerAddress(), "tcp:10.9.0.2:7001");
  // The signer and the gateway still run once.
  EXPECT_NE(
      ErrorOf(SharedLogDeployment() + Host("g2", "10.9.0.9", "[\"gateway\"]"))
          .find("the gateway is on hosts front and g2: it runs once per deployment; keep one"),
      std::string::npos);
}

TEST(HostLayoutSharedLogTest, EveryLedgerHostHasTheDatabaseAndTheSameKey) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-hosts-test.");
  ASSERT_TRUE(temp.ok());
  auto plan = ParseHostsPlan(SharedLogDeployment(), "hosts.toml");
  ASSERT_TRUE(plan.ok()) << plan.error().message();
  const fs::path out = temp->path() / "deployment";
  Status written = WriteHostLayout(*plan, out);
  ASSERT_TRUE(written.ok()) << written.error().message();

  // The first ledger host holds the empty log to migrate; the other, the same key.
  EXPECT_TRUE(fs::exists(out / "ledger" / "ledger-seed" / "log.key"));
  EXPECT_FALSE(fs::exists(out / "ledger" / "ledger-log"));
  const fs::path key2 = out / "ledger-2" / "ledger-log";
  EXPECT_EQ(ReadFile(key2 / "log.key", 4096).value(),
            ReadFile(out / "ledger" / "ledger-seed" / "log.key", 4096).value());
  EXPECT_EQ(ReadFile(key2 / "log.vkey", 4096).value(),
            ReadFile(out / "ledger" / "ledger-seed" / "log.vkey", 4096).value());
  EXPECT_EQ(fs::status(key2 / "log.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(key2 / "checkpoint"));
  for (const char* host : {"ledger", "ledger-2"}) {
    auto ledger = ledger::LoadLedgerConfig(out / host / "ledger.toml");
    ASSERT_TRUE(ledger.ok()) << host << ": " << ledger.error().message();
    EXPECT_EQ(ledger->database, "postgresql://vigil@10.9.0.8:5432/vigil") << host;
    EXPECT_EQ(ledger->dir, out / host / "ledger-log") << host;
    EXPECT_TRUE(fs::exists(out / host / "ledger.key")) << host;
    EXPECT_TRUE(fs::exists(out / host / "policy" / "ledger" / "10-hosts.policy")) << host;
  }
  auto readme = ReadFile(out / "ledger" / "README", 1 << 16);
  ASSERT_TRUE(readme.ok());
  EXPECT_NE(std::string(AsText(*readme))
                .find("vigil log migrate --from ledger-seed --to "
                      "'postgresql://vigil@10.9.0.8:5432/vigil' --key-dir ledger-log"),
            std::string::npos);

  // Every client lists both ledgers, in the plan's order.
  const std::string both = "tcp:10.9.0.2:7001,tcp:10.9.0.7:7001";
  auto signer = signer::LoadSignerConfig(out / "signer" / "signer.toml");
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->ledger_address, both);
  auto builder = builder::LoadBuilderConfig(out / "builder-1" / "builder.toml", temp->path());
  ASSERT_TRUE(builder.ok()) << builder.error().message();
  EXPECT_EQ(builder->ledger_address, both);
  auto gateway = gateway::ReadGatewayConfig(out / "front" / "gateway.toml");
  ASSERT_TRUE(gateway.ok()) << gateway.error().message();
  EXPECT_EQ(gateway->ledger->peer.address, both);
}

class HostLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-hosts-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    auto plan = ParseHostsPlan(Deployment(), "hosts.toml");
    ASSERT_TRUE(plan.ok());
    plan_ = *plan;
    out_ = temp_->path() / "deployment";
    Status written = WriteHostLayout(plan_, out_);
    ASSERT_TRUE(written.ok()) << written.error().message();
  }
  std::unique_ptr<TempDir> temp_;
  HostsPlan plan_;
  fs::path out_;
};

TEST_F(HostLayoutTest, EveryConfigurationReadsBackWithTcpPeers) {
  auto ledger = ledger::LoadLedgerConfig(out_ / "ledger" / "ledger.toml");
  ASSERT_TRUE(ledger.ok()) << ledger.error().message();
  EXPECT_EQ(ledger->service.listen, std::vector<std::string>{"tcp:10.9.0.2:7001"});
  EXPECT_EQ(ledger->dir, out_ / "ledger" / "ledger-log");
  EXPECT_EQ(ledger->http_host, "10.9.0.2");
  EXPECT_TRUE(fs::exists(ledger->dir / "log.key"));
  EXPECT_EQ(ledger->database, "");

  auto signer = signer::LoadSignerConfig(out_ / "signer" / "signer.toml");
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->ledger_address, "tcp:10.9.0.2:7001");
  EXPECT_EQ(signer->ledger_verifier->name(), "vigil.test/ledger");
  EXPECT_EQ(signer->service.tls.certificate, out_ / "signer" / "signer.crt");

  auto builder = builder::LoadBuilderConfig(out_ / "builder-2" / "builder.toml", temp_->path());
  ASSERT_TRUE(builder.ok()) << builder.error().message();
  EXPECT_EQ(builder->service.listen, std::vector<std::string>{"tcp:10.9.0.5:7003"});
  EXPECT_EQ(builder->service.tls.certificate, out_ / "builder-2" / "builder-2.crt");
  EXPECT_EQ(builder->signer_address, "tcp:10.9.0.3:7002");

  auto gateway = gateway::ReadGatewayConfig(out_ / "front" / "gateway.toml");
  ASSERT_TRUE(gateway.ok()) << gateway.error().message();
  EXPECT_EQ(gateway->listen_host, "10.9.0.6");
  ASSERT_EQ(gateway->builders.size(), 2u);
  EXPECT_EQ(gateway->builders[0].peer.name, "builder-1");
  EXPECT_EQ(gateway->builders[1].peer.address, "tcp:10.9.0.5:7003");
  EXPECT_EQ(gateway->builders[1].components, std::vector<std::string>{"hello"});
  EXPECT_EQ(gateway->ledger->peer.address, "tcp:10.9.0.2:7001");
  // Each host holds its own key and the CA's certificate, never the CA's key.
  EXPECT_TRUE(fs::exists(out_ / "front" / "gateway.key"));
  EXPECT_FALSE(fs::exists(out_ / "front" / "ledger.key"));
  for (const char* host : {"ledger", "signer", "builder-1", "builder-2", "front"}) {
    EXPECT_TRUE(fs::exists(out_ / host / "ca.crt")) << host;
    EXPECT_FALSE(fs::exists(out_ / host / "ca.key")) << host;
  }
  EXPECT_TRUE(fs::exists(out_ / "ca" / "ca.key"));
  EXPECT_TRUE(fs::exists(out_ / "ca" / "operator.crt"));
}

TEST_F(HostLayoutTest, PoliciesNameTheRolesAllowed) {
  const rpc::CallIdentity builder1{"builder-1", {"build"}}, gateway{"gateway", {"gateway"}},
      signer{"signer", {"sign"}}, stranger{"stranger", {"build"}};
  auto signer_policy = rpc::Policy::Load(out_ / "signer" / "policy" / "signer");
  ASSERT_TRUE(signer_policy.ok()) << signer_policy.error().message();
  EXPECT_TRUE(signer_policy->Evaluate("vigil.Sign", "release", builder1, signer).AllowedHere());
  EXPECT_FALSE(signer_policy->Evaluate("vigil.Sign", "release", gateway, signer).AllowedHere());
  // A certificate tagged `build` that names no builder of the plan is refused.
  EXPECT_FALSE(signer_policy->Evaluate("vigil.Sign", "release", stranger, signer).AllowedHere());
  auto ledger_policy = rpc::Policy::Load(out_ / "ledger" / "policy" / "ledger");
  ASSERT_TRUE(ledger_policy.ok()) << ledger_policy.error().message();
  const rpc::CallIdentity ledger{"ledger", {"log"}};
  EXPECT_TRUE(ledger_policy->Evaluate("vigil.BuildLog", "b-1", builder1, ledger).AllowedHere());
  EXPECT_TRUE(ledger_policy->Evaluate("vigil.Append", "signature", signer, ledger).AllowedHere());
  EXPECT_FALSE(
      ledger_policy->Evaluate("vigil.Append", "signature", builder1, ledger).AllowedHere());
  EXPECT_FALSE(ledger_policy->Evaluate("vigil.BuildLog", "b-1", stranger, ledger).AllowedHere());
  auto builder_policy = rpc::Policy::Load(out_ / "builder-1" / "policy" / "builder");
  ASSERT_TRUE(builder_policy.ok()) << builder_policy.error().message();
  EXPECT_TRUE(
      builder_policy->Evaluate("vigil.TriggerBuild", "hello", gateway, builder1).AllowedHere());
  EXPECT_FALSE(
      builder_policy->Evaluate("vigil.TriggerBuild", "hello", signer, builder1).AllowedHere());
}

TEST_F(HostLayoutTest, AnExistingDirectoryIsNeverOverwritten) {
  Status again = WriteHostLayout(plan_, out_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("exists; give a new directory"), std::string::npos);
  // Nothing else was left beside it (the staging directory is gone).
  int entries = 0;
  for (const auto& entry : fs::directory_iterator(temp_->path())) entries += entry.exists();
  EXPECT_EQ(entries, 1);
}

}  // namespace
}  // namespace vigil::farm
