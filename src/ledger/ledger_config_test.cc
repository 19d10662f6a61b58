#include "ledger/ledger_config.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "rpc/service_host.h"

namespace vigil::ledger {
namespace {

constexpr char kService[] =
    "[service]\nlisten = [\"unix:l.sock\"]\ncert = \"l.crt\"\nkey = \"l.key\"\nca = \"ca.crt\"\n"
    "policy = \"policy.d\"\naudit_log = \"audit.log\"\ndir = \"log\"\n";

class LedgerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-ledger-config-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }
  Result<LedgerConfig> Load(const std::string& text) {
    const fs::path path = temp_->path() / "ledger.toml";
    EXPECT_TRUE(WriteFileAtomic(path, AsBytes(text)).ok());
    return LoadLedgerConfig(path);
  }
  static std::string MessageOf(const Result<LedgerConfig>& result) {
    return result.ok() ? "(no error)" : result.error().message();
  }
  std::unique_ptr<TempDir> temp_;
};

TEST_F(LedgerConfigTest, ReadsTheServiceTableAndResolvesPaths) {
  auto config = Load(std::string(kService) + "http = \"0.0.0.0:8080\"\nidle_timeout_seconds = 7\n");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->dir, temp_->path() / "log");
  EXPECT_EQ(config->service.listen, std::vector<std::string>{"unix:l.sock"});
  EXPECT_EQ(config->service.tls.certificate, temp_->path() / "l.crt");
  EXPECT_EQ(config->service.audit_log, temp_->path() / "audit.log");
  EXPECT_EQ(config->http_host, "0.0.0.0");
  EXPECT_EQ(config->http_port, 8080);
  EXPECT_EQ(config->HostOptions().limits.idle_timeout, std::chrono::seconds(7));
}

TEST_F(LedgerConfigTest, DefaultsTheOptionalKeys) {
  auto config = Load(kService);
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->http_host, "127.0.0.1");
  EXPECT_EQ(config->http_port, 0);
  EXPECT_EQ(config->idle_timeout, std::chrono::seconds(60));
}

TEST_F(LedgerConfigTest, RefusesUnknownKeysWithTheirLine) {
  auto typo = Load(std::string(kService) + "drr = \"x\"\n");
  EXPECT_NE(MessageOf(typo).find("ledger.toml:9: unknown key 'drr' in service"), std::string::npos)
      << MessageOf(typo);
  auto table = Load(std::string(kService) + "[ledger]\naddress = \"unix:x\"\n");
  EXPECT_NE(MessageOf(table).find("unknown key 'ledger'"), std::string::npos) << MessageOf(table);
}

TEST_F(LedgerConfigTest, RefusesBadTypesAndValues) {
  auto listen = Load(std::string(kService).replace(10, 25, "listen = \"unix:l.sock\"\n"));
  EXPECT_FALSE(listen.ok());
  auto idle = Load(std::string(kService) + "idle_timeout_seconds = \"60\"\n");
  EXPECT_NE(MessageOf(idle).find("ledger.toml:9"), std::string::npos) << MessageOf(idle);
  auto zero = Load(std::string(kService) + "idle_timeout_seconds = 0\n");
  EXPECT_FALSE(zero.ok());
  auto http = Load(std::string(kService) + "http = \"localhost\"\n");
  EXPECT_NE(MessageOf(http).find("HOST:PORT"), std::string::npos) << MessageOf(http);
  auto port = Load(std::string(kService) + "http = \"localhost:65536\"\n");
  EXPECT_FALSE(port.ok());
  EXPECT_FALSE(Load("not toml [").ok());
}

TEST_F(LedgerConfigTest, NamesMissingRequiredValues) {
  std::string without_dir(kService);
  without_dir.erase(without_dir.find("dir = "));
  auto dir = Load(without_dir);
  EXPECT_NE(MessageOf(dir).find("service.dir"), std::string::npos) << MessageOf(dir);
  auto empty = Load("");
  EXPECT_NE(MessageOf(empty).find("[service]"), std::string::npos) << MessageOf(empty);
}

TEST(ResolveLedgerConfig, FlagsAloneNeedEveryRequiredSetting) {
  LedgerFlags flags;
  flags.dir = "log";
  flags.cert = "l.crt";
  auto partial = ResolveLedgerConfig(std::nullopt, flags);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.error().message(),
            "missing --listen (service.listen), --key (service.key), --ca (service.ca), --policy "
            "(service.policy), --audit-log (service.audit_log): give each as a flag or in the "
            "[service] table of --config FILE");
  flags.key = "l.key";
  flags.ca = "ca.crt";
  flags.policy = "policy.d";
  flags.audit_log = "audit.log";
  flags.listen = {"unix:l.sock"};
  auto whole = ResolveLedgerConfig(std::nullopt, flags);
  ASSERT_TRUE(whole.ok()) << whole.error().message();
  EXPECT_EQ(whole->dir, "log");
  EXPECT_EQ(whole->http_port, 0);
}

TEST_F(LedgerConfigTest, AFlagGivenOverridesTheFile) {
  auto file = Load(std::string(kService) + "http = \"127.0.0.1:8080\"\n");
  ASSERT_TRUE(file.ok()) << file.error().message();
  LedgerFlags flags;
  flags.dir = "/elsewhere";
  flags.listen = {"tcp:127.0.0.1:0", "unix:other.sock"};
  flags.http = "127.0.0.2:9090";
  flags.idle_timeout_seconds = 2.5;
  auto config = ResolveLedgerConfig(*file, flags);
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->dir, "/elsewhere");
  EXPECT_EQ(config->service.listen.size(), 2u);
  EXPECT_EQ(config->http_host, "127.0.0.2");
  EXPECT_EQ(config->http_port, 9090);
  EXPECT_EQ(config->idle_timeout, std::chrono::milliseconds(2500));
  // What no flag names stays as the file has it.
  EXPECT_EQ(config->service.tls.certificate, temp_->path() / "l.crt");
  flags.idle_timeout_seconds = 0.5;
  EXPECT_FALSE(ResolveLedgerConfig(*file, flags).ok());
  flags.idle_timeout_seconds.reset();
  flags.http = "nope";
  EXPECT_FALSE(ResolveLedgerConfig(*file, flags).ok());
}

}  // namespace
}  // namespace vigil::ledger
