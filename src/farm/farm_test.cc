#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "base/file.h"
#include "builder/builder_config.h"
#include "farm/build_call.h"
#include "farm/create.h"
#include "farm/layout.h"
#include "farm/service_configs.h"
#include "farm/supervisor.h"
#include "rpc/service_host.h"
#include "signer/signer_config.h"
#include "tlog/note.h"

namespace vigil::farm {
namespace {

class FarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-farm-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    bin_ = temp_->path() / "bin";
    fs::create_directories(bin_);
    // A stand-in for bin/vigil's `repo keygen` and `repo init` (the channels' TUF files).
    ASSERT_TRUE(WriteFileAtomic(bin_ / "vigil",
                                AsBytes("#!/bin/sh\n"
                                        "case \"$2\" in\n"
                                        "keygen) mkdir -p \"$4\"; for r in root targets snapshot "
                                        "timestamp testing current; do printf '%064d\\n' 1 > "
                                        "\"$4/$r.secret\"; done ;;\n"
                                        "init) mkdir -p \"$3/metadata\"; echo '{}' > "
                                        "\"$3/metadata/timestamp.json\" ;;\n"
                                        "esac\n"),
                                0755)
                    .ok());
  }
  void TearDown() override {
    for (const char* role : kRoles) StopRole(Farm(), role, std::chrono::milliseconds(2000));
  }
  FarmLayout Farm() const { return FarmLayout(temp_->path() / "farm"); }
  // A stand-in for bin/vigil-ROLE.
  void FakeProgram(const std::string& role, const std::string& script) {
    const fs::path path = bin_ / ("vigil-" + role);
    ASSERT_TRUE(WriteFileAtomic(path, AsBytes("#!/bin/sh\n" + script + "\n"), 0755).ok());
  }
  std::string Text(const fs::path& path) {
    auto bytes = ReadFile(path, 1 << 20);
    return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "(unreadable)";
  }
  std::unique_ptr<TempDir> temp_;
  fs::path bin_;
};

std::string Vkey() {
  auto signer = tlog::NoteSigner::Create("vigil.farm/ledger");
  EXPECT_TRUE(signer.ok());
  return signer->VerifierKey();
}

TEST_F(FarmTest, ConfigurationsReadBackThroughTheServicesOwnLoaders) {
  const FarmLayout farm(temp_->path() / "a \"quoted\" \\ back\\slash\nnew line 'farm'");
  const std::string vkey = Vkey();
  ASSERT_TRUE(fs::create_directories(farm.dir));
  ASSERT_TRUE(WriteFileAtomic(farm.signer_config(), AsBytes(SignerConfigText(farm, vkey))).ok());
  ASSERT_TRUE(WriteFileAtomic(farm.builder_config(), AsBytes(BuilderConfigText(farm, vkey))).ok());
  ASSERT_TRUE(WriteFileAtomic(farm.witness_policy(), AsBytes(WitnessPolicyText(vkey))).ok());

  auto signer = signer::LoadSignerConfig(farm.signer_config());
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  // One machine: the policy names the ledger and needs no witness.
  ASSERT_TRUE(signer->witness_policy.has_value());
  EXPECT_FALSE(signer->witness_policy->quorum.has_value());
  EXPECT_EQ(signer->witness_policy->log->name(), "vigil.farm/ledger");
  EXPECT_EQ(signer->service.listen,
            std::vector<std::string>{"unix:" + farm.socket("signer").string()});
  EXPECT_EQ(signer->service.tls.certificate, farm.ca() / "signer.crt");
  EXPECT_EQ(signer->service.tls.key, farm.ca() / "signer.key");
  EXPECT_EQ(signer->service.tls.ca, farm.ca() / "ca.crt");
  EXPECT_EQ(signer->service.policy_dir, farm.policy("signer"));
  EXPECT_EQ(signer->service.audit_log, farm.logs() / "signer-audit.log");
  EXPECT_EQ(signer->state_dir, farm.dir / "signer-state");
  EXPECT_EQ(signer->ledger_address, "unix:" + farm.socket("ledger").string());
  EXPECT_EQ(signer->ledger_name, "ledger");
  EXPECT_EQ(signer->ledger_verifier->name(), "vigil.farm/ledger");
  ASSERT_EQ(signer->keys.count("release"), 1u);
  EXPECT_EQ(signer->keys.at("release").file, farm.signing_key());

  auto builder = builder::LoadBuilderConfig(farm.builder_config(), bin_);
  ASSERT_TRUE(builder.ok()) << builder.error().message();
  EXPECT_EQ(builder->service.listen,
            std::vector<std::string>{"unix:" + farm.socket("builder").string()});
  EXPECT_EQ(builder->service.tls.certificate, farm.ca() / "builder.crt");
  EXPECT_EQ(builder->service.policy_dir, farm.policy("builder"));
  EXPECT_EQ(builder->service.audit_log, farm.logs() / "builder-audit.log");
  EXPECT_EQ(builder->work_dir, farm.dir / "work");
  EXPECT_EQ(builder->repository, farm.repository());
  EXPECT_EQ(builder->ledger_address, "unix:" + farm.socket("ledger").string());
  EXPECT_EQ(builder->signer_address, "unix:" + farm.socket("signer").string());
  EXPECT_EQ(builder->signer_name, "signer");
  EXPECT_TRUE(builder->components.empty());
}

TEST_F(FarmTest, AnAppendedComponentTableStillReads) {
  // Operators (and tests/farm.sh) add components by appending tables to builder.toml.
  const FarmLayout farm = Farm();
  ASSERT_TRUE(fs::create_directories(farm.dir));
  ASSERT_TRUE(WriteFileAtomic(farm.witness_policy(), AsBytes(WitnessPolicyText(Vkey()))).ok());
  const std::string text = BuilderConfigText(farm, Vkey()) +
                           "\n[limits]\nbuild_seconds = 15\n"
                           "\n[components.hello]\nrepository = \"/srv/hello.git\"\n"
                           "spec = \"image.toml\"\ncommit = \"" +
                           std::string(40, 'a') + "\"\nkey = \"release\"\n";
  ASSERT_TRUE(WriteFileAtomic(farm.builder_config(), AsBytes(text)).ok());
  auto builder = builder::LoadBuilderConfig(farm.builder_config(), bin_);
  ASSERT_TRUE(builder.ok()) << builder.error().message();
  EXPECT_EQ(builder->components.count("hello"), 1u);
  EXPECT_EQ(builder->build_timeout, std::chrono::seconds(15));
}

TEST_F(FarmTest, CreateFarmMakesEveryPartOnceAndCheckFarmAcceptsIt) {
  // The signer creates the signing key and prints its public half.
  FakeProgram("signer",
              "[ \"$3\" = --init-key ] && [ \"$4\" = release ] || exit 2\n"
              "touch \"$(dirname \"$2\")/release.key\"; echo PUBLIC-KEY");
  const FarmLayout farm = Farm();
  Status created = CreateFarm(farm, bin_);
  ASSERT_TRUE(created.ok()) << created.error().message();
  EXPECT_TRUE(CheckFarm(farm).ok());
  EXPECT_EQ(Text(farm.signing_public_key()), "PUBLIC-KEY\n");
  EXPECT_EQ(Text(farm.policy("builder") / "10-farm.policy"),
            "vigil.TriggerBuild * @tag:operator @any allow\nvigil.Ping * @any @any allow\n");
  for (const char* file : {"ca.crt", "ledger.crt", "signer.key", "builder.crt", "operator.key"}) {
    EXPECT_TRUE(fs::exists(farm.ca() / file)) << file;
  }
  EXPECT_TRUE(signer::LoadSignerConfig(farm.signer_config()).ok());
  auto builder = builder::LoadBuilderConfig(farm.builder_config(), bin_);
  ASSERT_TRUE(builder.ok()) << builder.error().message();
  EXPECT_EQ(Text(farm.ledger_dir() / "log.vkey").substr(0, 18), "vigil.farm/ledger+");

  // A second time nothing is made again, even without the signer.
  const std::string config = Text(farm.builder_config());
  fs::remove(bin_ / "vigil-signer");
  EXPECT_TRUE(CreateFarm(farm, bin_).ok());
  EXPECT_EQ(Text(farm.builder_config()), config);
}

TEST_F(FarmTest, PrepareFarmCreatesOnceThenChecksAndRefusesAFile) {
  FakeProgram("signer",
              "[ \"$3\" = --init-key ] && [ \"$4\" = release ] || exit 2\n"
              "touch \"$(dirname \"$2\")/release.key\"; echo PUBLIC-KEY");
  const FarmLayout farm = Farm();
  auto first = PrepareFarm(farm, bin_);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(*first);
  auto again = PrepareFarm(farm, bin_);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_FALSE(*again);
  // A builder.toml alone is not a farm.
  fs::remove(farm.signer_config());
  auto damaged = PrepareFarm(farm, bin_);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().code(), ErrorCode::kBadInput);

  const FarmLayout file(farm.dir.parent_path() / "a-file");
  ASSERT_TRUE(WriteFileAtomic(file.dir, AsBytes(std::string_view("x"))).ok());
  auto refused = PrepareFarm(file, bin_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("is not a directory"), std::string::npos);
}

TEST_F(FarmTest, PrepareFarmSaysWhatItCouldNotCreate) {
  FakeProgram("signer", "exit 1");
  auto prepared = PrepareFarm(Farm(), bin_);
  ASSERT_FALSE(prepared.ok());
  EXPECT_EQ(prepared.error().message().rfind("cannot create the farm: ", 0), 0u)
      << prepared.error().message();
}

TEST_F(FarmTest, CreateFarmFailsWhenTheSignerCannotMakeItsKey) {
  FakeProgram("signer", "exit 1");
  Status created = CreateFarm(Farm(), bin_);
  ASSERT_FALSE(created.ok());
  EXPECT_NE(created.error().message().find("--init-key release failed"), std::string::npos);
  EXPECT_FALSE(fs::exists(Farm().builder_config()));
}

TEST_F(FarmTest, CheckFarmNamesWhatIsMissing) {
  const FarmLayout farm = Farm();
  ASSERT_TRUE(fs::create_directories(farm.dir));
  ASSERT_TRUE(WriteFileAtomic(farm.builder_config(), AsBytes("broken = \n")).ok());
  Status checked = CheckFarm(farm);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(checked.error().message().find("it has no file signer.toml"), std::string::npos);
}

TEST_F(FarmTest, LedgerUrlIsTheSavedAddressWithoutItsNewline) {
  const FarmLayout farm = Farm();
  EXPECT_FALSE(LedgerUrl(farm).has_value());
  ASSERT_TRUE(fs::create_directories(farm.run()));
  ASSERT_TRUE(WriteFileAtomic(farm.ledger_url(), AsBytes("http://127.0.0.1:8080\n")).ok());
  EXPECT_EQ(LedgerUrl(farm), "http://127.0.0.1:8080");
}

TEST_F(FarmTest, ReadPidAcceptsDigitsWithSurroundingWhitespaceOnly) {
  const fs::path file = temp_->path() / "pid";
  const std::pair<const char*, bool> cases[] = {
      {"1234", true}, {" 1234\n", true}, {"\t42\r\n", true}, {"", false},
      {"0", false},   {"-1", false},     {"12 34", false},   {"99999999999", false}};
  for (const auto& [text, ok] : cases) {
    ASSERT_TRUE(WriteFileAtomic(file, AsBytes(std::string(text))).ok());
    auto pid = ReadPid(file);
    EXPECT_EQ(pid.ok(), ok) << "'" << text << "'";
  }
  ASSERT_TRUE(WriteFileAtomic(file, AsBytes(std::string(" 1234\n"))).ok());
  EXPECT_EQ(*ReadPid(file), 1234);
}

TEST_F(FarmTest, StartRoleWaitsForReadinessSavesTheLedgerUrlAndStopRoleEndsIt) {
  const FarmLayout farm = Farm();
  fs::create_directories(farm.run());
  fs::create_directories(farm.logs());
  FakeProgram("ledger", "[ \"$1 $2\" = \"--dir " + farm.ledger_dir().string() +
                            "\" ] || exit 3\n"
                            "sleep 0.2; echo 'vigil-ledger: vigil.farm/ledger (size 0) on "
                            "http://127.0.0.1:4321'; exec sleep 30");
  EXPECT_FALSE(RunningPid(farm, "ledger").has_value());
  auto line = StartRole(farm, bin_, "ledger");
  ASSERT_TRUE(line.ok()) << line.error().message();
  EXPECT_EQ(*line, " on http://127.0.0.1:4321");
  EXPECT_EQ(LedgerUrl(farm), "http://127.0.0.1:4321");
  const std::optional<pid_t> pid = RunningPid(farm, "ledger");
  ASSERT_TRUE(pid.has_value());
  EXPECT_EQ(*ReadPid(farm.pid_file("ledger")), *pid);

  EXPECT_TRUE(StopRole(farm, "ledger"));
  EXPECT_FALSE(fs::exists(farm.pid_file("ledger")));
  EXPECT_FALSE(RunningPid(farm, "ledger").has_value());
  EXPECT_FALSE(StopRole(farm, "ledger"));
}

TEST_F(FarmTest, StartRoleReportsARoleThatExitsOrStaysSilent) {
  const FarmLayout farm = Farm();
  fs::create_directories(farm.run());
  fs::create_directories(farm.logs());
  FakeProgram("signer", "[ \"$1\" = --config ] && echo \"bad config $2\"; exit 1");
  auto exited = StartRole(farm, bin_, "signer");
  ASSERT_FALSE(exited.ok());
  EXPECT_EQ(exited.error().message(),
            "vigil-signer exited at start: bad config " + farm.signer_config().string() + "\n");
  EXPECT_FALSE(fs::exists(farm.pid_file("signer")));

  FakeProgram("builder", "exec sleep 30");
  auto silent = StartRole(farm, bin_, "builder", std::chrono::milliseconds(300));
  ASSERT_FALSE(silent.ok());
  EXPECT_NE(silent.error().message().find("vigil-builder did not come up within"),
            std::string::npos);
}

// The farm's builder, answering vigil.TriggerBuild+COMPONENT with `answer`, or failing.
class FakeBuilder {
 public:
  FakeBuilder(const FarmLayout& farm, std::string answer) : answer_(std::move(answer)) {
    rpc::ServiceHostOptions options;
    options.tls = {farm.ca() / "builder.crt", farm.ca() / "builder.key", farm.ca() / "ca.crt"};
    options.policy_dir = farm.policy("builder");
    options.handle_signals = false;
    auto host = rpc::ServiceHost::Create(options);
    EXPECT_TRUE(host.ok()) << host.error().message();
    host_ = std::move(*host);
    host_->Register("vigil.TriggerBuild", [this](rpc::Call& call) -> asio::awaitable<Status> {
      if (call.argument() != "hello") co_return Error::BadInput("unknown component");
      for (const char c : answer_) {  // a byte at a time: lines arrive in pieces
        VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(std::string(1, c)));
      }
      co_return OkStatus();
    });
    EXPECT_TRUE(host_->Listen(*rpc::ParseAddress("unix:" + farm.socket("builder").string())).ok());
    thread_ = std::thread([this] { (void)host_->Run(); });
  }
  ~FakeBuilder() {
    host_->Stop();
    thread_.join();
  }

 private:
  std::string answer_;
  std::unique_ptr<rpc::ServiceHost> host_;
  std::thread thread_;
};

TEST_F(FarmTest, TriggerBuildStreamsTheAnswerAndReturnsTheBuildersExit) {
  FakeProgram("signer", "touch \"$(dirname \"$2\")/release.key\"; echo PUBLIC-KEY");
  const FarmLayout farm = Farm();
  ASSERT_TRUE(CreateFarm(farm, bin_).ok());
  auto down = TriggerBuild(farm, "hello", [](std::string_view) { return OkStatus(); });
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code(), ErrorCode::kMissingEnv);
  EXPECT_NE(down.error().message().find("the farm's builder is not running"), std::string::npos);

  FakeBuilder builder(farm, "build b1\nlog one\n");
  std::string answer;
  auto collect = [&answer](std::string_view chunk) {
    answer += chunk;
    return OkStatus();
  };
  auto end = TriggerBuild(farm, "hello", collect);
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(end->exit_code, 0);
  EXPECT_EQ(answer, "build b1\nlog one\n");

  auto refused = TriggerBuild(farm, "nosuch", collect);
  ASSERT_TRUE(refused.ok()) << refused.error().message();
  EXPECT_NE(refused->exit_code, 0);
  EXPECT_EQ(refused->message, "unknown component");

  auto stopped = TriggerBuild(farm, "hello", [](std::string_view) -> Status {
    return Error::BadInput("not an answer line");
  });
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().message(), "not an answer line");
}

}  // namespace
}  // namespace vigil::farm
