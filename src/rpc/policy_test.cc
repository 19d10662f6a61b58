#include "rpc/policy.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/file.h"

namespace vigil::rpc {
namespace {

const CallIdentity kBuilder{"builder", {"farm"}};
const CallIdentity kSigner{"signer", {"keys"}};
const CallIdentity kLedger{"ledger", {}};
const CallIdentity kStranger{"stranger", {}};

Policy MustParse(const std::string& text) {
  auto policy = Policy::Parse(text, "test.policy");
  EXPECT_TRUE(policy.ok()) << policy.error().message();
  return policy.ok() ? std::move(policy).value() : Policy();
}

TEST(Policy, FirstMatchWinsAndDefaultDenies) {
  Policy policy = MustParse(
      "# the ledger takes logs from the farm\n"
      "vigil.BuildLog * @tag:farm ledger allow\n"
      "vigil.BuildLog * @any @any deny\n"
      "vigil.Ping + @any @any allow   # health checks\n");
  auto log = policy.Evaluate("vigil.BuildLog", "b-1", kBuilder, kLedger);
  EXPECT_TRUE(log.allow);
  EXPECT_EQ(log.Explain(), "allow by test.policy:2");
  EXPECT_FALSE(policy.Evaluate("vigil.BuildLog", "b-1", kStranger, kLedger).allow);
  EXPECT_EQ(policy.Evaluate("vigil.BuildLog", "b-1", kStranger, kLedger).Explain(),
            "deny by test.policy:3");
  EXPECT_TRUE(policy.Evaluate("vigil.Ping", "", kStranger, kLedger).allow);
  auto none = policy.Evaluate("vigil.Append", "", kBuilder, kLedger);
  EXPECT_FALSE(none.allow);
  EXPECT_EQ(none.rule, nullptr);
  EXPECT_EQ(none.Explain(), "deny (no rule matched: default deny)");
}

TEST(Policy, ArgumentForms) {
  Policy policy = MustParse(
      "vigil.Sign +release signer @any allow\n"
      "vigil.Ping + @any @any allow\n");
  EXPECT_TRUE(policy.Evaluate("vigil.Sign", "release", kSigner, kLedger).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "other", kSigner, kLedger).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "", kSigner, kLedger).allow);
  EXPECT_TRUE(policy.Evaluate("vigil.Ping", "", kSigner, kLedger).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Ping", "x", kSigner, kLedger).allow);
}

TEST(Policy, ServiceWildcardMatchesEveryService) {
  Policy policy = MustParse(
      "vigil.Sign * @any @any deny\n"
      "* * @tag:farm @any allow\n");
  for (const char* service : {"vigil.BuildLog", "vigil.Ping", "x"}) {
    auto d = policy.Evaluate(service, "arg", kBuilder, kLedger);
    EXPECT_TRUE(d.allow) << service;
    EXPECT_EQ(d.Explain(), "allow by test.policy:2");
  }
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "", kBuilder, kLedger).allow);   // an earlier rule
  EXPECT_FALSE(policy.Evaluate("vigil.Ping", "", kStranger, kLedger).allow);  // not tagged
}

TEST(Policy, TagOnTheTarget) {
  Policy policy = MustParse("vigil.Sign * builder @tag:keys allow\n");
  EXPECT_TRUE(policy.Evaluate("vigil.Sign", "release", kBuilder, kSigner).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "release", kBuilder, kLedger).allow);
  // A tag is not a name: a target called "keys" without the tag does not match.
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "release", kBuilder, {"keys", {}}).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "release", kStranger, kSigner).allow);
}

TEST(Policy, ArgumentPatternTakesWhatARequestCanCarry) {
  // "++x" is the argument "+x", which a request may carry ("vigil.Sign++x").
  Policy policy = MustParse("vigil.Sign ++x:a/b @any @any allow\n");
  EXPECT_TRUE(policy.Evaluate("vigil.Sign", "+x:a/b", kBuilder, kSigner).allow);
  EXPECT_FALSE(policy.Evaluate("vigil.Sign", "x:a/b", kBuilder, kSigner).allow);
}

TEST(Policy, RedirectTarget) {
  Policy policy = MustParse("vigil.Append * @any @any allow target=ledger-2\n");
  auto d = policy.Evaluate("vigil.Append", "", kSigner, kLedger);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.target, "ledger-2");
}

TEST(Policy, SyntaxErrorsNameFileAndLine) {
  for (const auto& [text, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"vigil.Ping * @any @any alow\n", "test.policy:1: unknown action 'alow'"},
           {"\nvigil.Ping * @any\n", "test.policy:2: expected SERVICE"},
           {"vigil.Ping arg @any @any allow\n", "bad argument 'arg'"},
           {"vigil.Ping * @anyvm @any allow\n", "bad source '@anyvm'"},
           {"vigil.Ping * @any @any deny target=x\n", "only allow takes target=NAME"},
           {"!frobnicate x\n", "unknown directive"},
           // Rules that could never match a request or a certificate are errors too.
           {"# ok\nvigil.Ping * @any @any allow\nvigil.Echo+x * @any @any allow\n",
            "test.policy:3: bad service 'vigil.Echo+x'"},
           {"vigil/Echo * @any @any allow\n", "test.policy:1: bad service 'vigil/Echo'"},
           {"+ * @any @any allow\n", "test.policy:1: bad service '+'"},
           {std::string(65, 'a') + " * @any @any allow\n", "test.policy:1: bad service"},
           {"vigil.Ping +a@b @any @any allow\n", "test.policy:1: bad argument '+a@b'"},
           {"vigil.Ping * Builder @any allow\n", "test.policy:1: bad source 'Builder'"},
           {"vigil.Ping * builder_1 @any allow\n", "test.policy:1: bad source 'builder_1'"},
           {"vigil.Ping * -builder @any allow\n", "test.policy:1: bad source '-builder'"},
           {"vigil.Ping * @any Ledger allow\n", "test.policy:1: bad target 'Ledger'"},
           {"vigil.Ping * @any led/ger allow\n", "test.policy:1: bad target 'led/ger'"},
           {"vigil.Ping * @tag:Farm @any allow\n", "test.policy:1: bad source '@tag:Farm'"},
           {"vigil.Ping * @tag: @any allow\n", "test.policy:1: bad source '@tag:'"},
           {"vigil.Ping * @any @tag:a+b allow\n", "test.policy:1: bad target '@tag:a+b'"},
           {"vigil.Ping * @any @any allow target=Ledger\n",
            "test.policy:1: bad redirect 'target=Ledger'"},
           {"vigil.Ping * @any @any allow target=\n", "test.policy:1: bad redirect 'target='"},
       }) {
    auto policy = Policy::Parse(text, "test.policy");
    ASSERT_FALSE(policy.ok()) << text;
    EXPECT_EQ(policy.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(policy.error().message().find(fragment), std::string::npos)
        << policy.error().message();
  }
}

class PolicyDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-policy-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_->path() / name) << text;
  }
  std::optional<TempDir> dir_;
};

TEST_F(PolicyDirTest, FilesInLexicalOrderWithIncludes) {
  Write("20-late.policy", "vigil.Ping * @any @any allow\n");
  Write("10-early.policy", "!include shared.inc\nvigil.Ping * stranger @any deny\n");
  Write("shared.inc", "vigil.Ping * builder @any deny\n");
  Write("notes.txt", "this is not a policy file\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  ASSERT_EQ(policy->rules().size(), 3u);
  auto builder = policy->Evaluate("vigil.Ping", "", kBuilder, kLedger);
  EXPECT_FALSE(builder.allow);
  EXPECT_NE(builder.Explain().find("shared.inc:1"), std::string::npos);
  EXPECT_FALSE(policy->Evaluate("vigil.Ping", "", kStranger, kLedger).allow);
  EXPECT_TRUE(policy->Evaluate("vigil.Ping", "", kSigner, kLedger).allow);
}

TEST_F(PolicyDirTest, AnInvalidFileFailsTheWholeLoad) {
  Write("10-good.policy", "vigil.Ping * @any @any allow\n");
  Write("20-bad.policy", "vigil.Ping * @any\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.error().message().find("20-bad.policy:1"), std::string::npos);
}

TEST_F(PolicyDirTest, AMissingIncludeNamesTheFileAndLine) {
  Write("10-a.policy", "vigil.Ping * @any @any allow\n!include missing.inc\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(policy.error().message().find("10-a.policy:2: in !include missing.inc"),
            std::string::npos)
      << policy.error().message();
}

TEST_F(PolicyDirTest, IncludesNestAtMostEightDeep) {
  // 10-top.policy includes i1.inc, which includes i2.inc, ... down to i8.inc: 8 deep.
  Write("10-top.policy", "!include i1.inc\n");
  for (int i = 1; i < 8; ++i) {
    Write("i" + std::to_string(i) + ".inc", "!include i" + std::to_string(i + 1) + ".inc\n");
  }
  Write("i8.inc", "vigil.Ping * @any @any allow\n");
  auto eight = Policy::Load(dir_->path());
  ASSERT_TRUE(eight.ok()) << eight.error().message();
  EXPECT_EQ(eight->rules().size(), 1u);

  Write("i8.inc", "# one more level\n!include i9.inc\n");
  Write("i9.inc", "vigil.Ping * @any @any allow\n");
  auto nine = Policy::Load(dir_->path());
  ASSERT_FALSE(nine.ok());
  const std::string& message = nine.error().message();
  EXPECT_NE(message.find("10-top.policy:1: in !include i1.inc"), std::string::npos) << message;
  EXPECT_NE(message.find("i8.inc:2: !include nested more than 8 deep"), std::string::npos)
      << message;
}

TEST_F(PolicyDirTest, AnAbsoluteIncludeIsReadFromItsPath) {
  auto elsewhere = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-shared-");
  ASSERT_TRUE(elsewhere.ok());
  std::filesystem::path shared = elsewhere->path() / "shared.inc";
  std::ofstream(shared) << "vigil.Ping * builder @any deny\n";
  Write("10-a.policy", "!include " + shared.string() + "\nvigil.Ping * @any @any allow\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  auto builder = policy->Evaluate("vigil.Ping", "", kBuilder, kLedger);
  EXPECT_FALSE(builder.allow);
  EXPECT_EQ(builder.Explain(), "deny by " + shared.string() + ":1");
  EXPECT_TRUE(policy->Evaluate("vigil.Ping", "", kSigner, kLedger).allow);
}

TEST_F(PolicyDirTest, IncludeCyclesAreRefused) {
  Write("10-a.policy", "!include b.inc\n");
  Write("b.inc", "!include b.inc\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.error().message().find("includes itself"), std::string::npos)
      << policy.error().message();
}

TEST(Policy, CheckPossibleCallNamesThePartThatNoCallCouldCarry) {
  EXPECT_TRUE(CheckPossibleCall("vigil.Echo", "", kBuilder, kSigner).ok());
  EXPECT_TRUE(CheckPossibleCall("vigil.Echo", "v1.0", kBuilder, kLedger).ok());
  const std::pair<Status, std::string> refused[] = {
      {CheckPossibleCall("not a service", "", kBuilder, kSigner), "--service 'not a service'"},
      {CheckPossibleCall("vigil.Echo", "a b", kBuilder, kSigner), "--argument 'a b'"},
      {CheckPossibleCall("vigil.Echo", "", {"@any", {}}, kSigner), "--source '@any'"},
      {CheckPossibleCall("vigil.Echo", "", kBuilder, {"Signer", {}}), "--target 'Signer'"},
      {CheckPossibleCall("vigil.Echo", "", {"builder", {"bad tag"}}, kSigner), "tag 'bad tag'"},
  };
  for (const auto& [status, says] : refused) {
    ASSERT_FALSE(status.ok()) << says;
    EXPECT_EQ(status.error().code(), ErrorCode::kBadInput);
    EXPECT_EQ(status.error().message().rfind(says, 0), 0u) << status.error().message();
  }
}

}  // namespace
}  // namespace vigil::rpc
