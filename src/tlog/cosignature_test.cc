// Cosignatures and witness policies: cosigned checkpoints checked against tlog-policy texts,
// with forged, misattributed and missing cosignatures refused.
#include "tlog/cosignature.h"

#include <gtest/gtest.h>

#include "tlog/checkpoint.h"
#include "tlog/witness_policy.h"

namespace vigil::tlog {
namespace {

Cosigner NewWitness(std::string_view name) {
  return Cosigner::Create(name, crypto::Ed25519GenerateSeed().value()).value();
}

class CosignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = FormatCheckpointText(
        {.origin = "example.com/log", .size = 7, .root = LeafHash(AsBytes("x"))});
    note_ = log_.Sign(text_).value();
  }
  std::string Cosigned(std::initializer_list<const Cosigner*> witnesses) {
    std::string out = note_;
    for (const Cosigner* witness : witnesses) out += witness->Cosign(text_, 1700000000).value();
    return out;
  }
  std::string Policy(std::string_view tail) {
    return "log " + log_.VerifierKey() + "\nwitness a " + a_.VerifierKey() +
           " https://a.example\n" + "witness b " + b_.VerifierKey() + "\nwitness c " +
           c_.VerifierKey() + "\n" + std::string(tail);
  }
  NoteSigner log_ = NoteSigner::Create("example.com/log").value();
  Cosigner a_ = NewWitness("a.example"), b_ = NewWitness("b.example"), c_ = NewWitness("c.example");
  std::string text_, note_;
};

TEST_F(CosignatureTest, AVerifierFindsItsWitnesssCosignatureAndItsTime) {
  auto verifier = CosignatureVerifier::Parse(a_.VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.error().message();
  auto note = SplitSignedNote(Cosigned({&b_, &a_}));
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(verifier->Verify(*note).value(), 1700000000u);
  EXPECT_FALSE(verifier->Verify(SplitSignedNote(Cosigned({&b_})).value()).ok());
  // A cosignature over another checkpoint does not count for this one.
  const std::string other = FormatCheckpointText(
      {.origin = "example.com/log", .size = 8, .root = LeafHash(AsBytes("y"))});
  const std::string moved = note_ + a_.Cosign(other, 1700000000).value();
  EXPECT_FALSE(verifier->Verify(SplitSignedNote(moved).value()).ok());
  // Keys: a note key is not a cosignature key, and the ID must be the key's.
  EXPECT_FALSE(CosignatureVerifier::Parse(log_.VerifierKey()).ok());
  std::string altered = a_.VerifierKey();
  altered[altered.find('+') + 1] = altered[altered.find('+') + 1] == '0' ? '1' : '0';
  EXPECT_FALSE(CosignatureVerifier::Parse(altered).ok());
}

TEST_F(CosignatureTest, PoliciesCountCosignaturesThroughGroups) {
  auto two_of_three = ParseWitnessPolicy(Policy("group g 2 a b c\nquorum g\n"));
  ASSERT_TRUE(two_of_three.ok()) << two_of_three.error().message();
  EXPECT_TRUE(CheckWitnessPolicy(*two_of_three, Cosigned({&a_, &c_})).ok());
  const Status one = CheckWitnessPolicy(*two_of_three, Cosigned({&b_}));
  ASSERT_FALSE(one.ok());
  EXPECT_NE(one.error().message().find("witness policy not met"), std::string::npos);
  EXPECT_NE(one.error().message().find("cosigned by b"), std::string::npos);
  // Nested groups: any of (all of a, b) and c.
  auto nested = ParseWitnessPolicy(Policy("group ab all a b\ngroup top any ab c\nquorum top\n"));
  ASSERT_TRUE(nested.ok()) << nested.error().message();
  EXPECT_TRUE(CheckWitnessPolicy(*nested, Cosigned({&c_})).ok());
  EXPECT_TRUE(CheckWitnessPolicy(*nested, Cosigned({&a_, &b_})).ok());
  EXPECT_FALSE(CheckWitnessPolicy(*nested, Cosigned({&a_})).ok());
  // quorum none needs only the log.
  auto none = ParseWitnessPolicy("log " + log_.VerifierKey() + "\nquorum none\n");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(CheckWitnessPolicy(*none, note_).ok());
  // The log's own signature is required when the policy names the log.
  NoteSigner impostor = NoteSigner::Create("example.com/log").value();
  EXPECT_FALSE(CheckWitnessPolicy(*none, impostor.Sign(text_).value()).ok());
}

TEST_F(CosignatureTest, MalformedPoliciesAreRefusedNamingTheLine) {
  auto message = [this](std::string_view tail) {
    auto policy = ParseWitnessPolicy(Policy(tail));
    return policy.ok() ? std::string("(parsed)") : policy.error().message();
  };
  EXPECT_NE(message("").find("no quorum line"), std::string::npos);
  EXPECT_NE(message("quorum z\n").find("not defined"), std::string::npos);
  EXPECT_NE(message("group g 4 a b c\nquorum g\n").find("line 5"), std::string::npos);
  EXPECT_NE(message("group g 1 a z\nquorum g\n").find("z is not a witness"), std::string::npos);
  EXPECT_NE(message("witness a " + c_.VerifierKey() + "\nquorum a\n").find("taken"),
            std::string::npos);
  EXPECT_NE(message("quorum a\nquorum b\n").find("second quorum"), std::string::npos);
  EXPECT_NE(message("frobnicate\nquorum a\n").find("expected log, witness"), std::string::npos);
  EXPECT_EQ(message("# a comment\n\nquorum a\n"), "(parsed)");
}

}  // namespace
}  // namespace vigil::tlog
