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

TEST_F(PolicyDirTest, IncludeCyclesAreRefused) {
  Write("10-a.policy", "!include b.inc\n");
  Write("b.inc", "!include b.inc\n");
  auto policy = Policy::Load(dir_->path());
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.error().message().find("includes itself"), std::string::npos)
      << policy.error().message();
}

}  // namespace
}  // namespace vigil::rpc
