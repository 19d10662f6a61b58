#include "attestation/pcr_bank.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace vigil::attestation {
namespace {

TEST(PcrBankTest, ExtendIsSha384OfValueAndData) {
  PcrBank bank;
  // The vector of ../shared/vectors/README.md: PCR3 from an IAM role ARN.
  Result<crypto::Sha384Digest> pcr3 =
      bank.Extend(3, AsBytes("arn:aws:iam::123456789012:role/Webserver"));
  ASSERT_TRUE(pcr3.ok());
  EXPECT_EQ(
      HexEncode(*pcr3),
      "78fce75db17cd4e0a3fb8dad3ad128ca5e77edbb2b2c7f75329dccd99aa5f6ef4fc1f1a452e315b9e98f9e3"
      "12e6921e6");
  EXPECT_EQ(bank.Describe(3)->value, *pcr3);
  EXPECT_FALSE(bank.Describe(3)->locked);
}

TEST(PcrBankTest, LockedRegistersRefuseExtension) {
  PcrBank bank;
  ASSERT_TRUE(bank.Extend(16, Bytes{1}).ok());
  ASSERT_TRUE(bank.LockRange(32).ok());
  Result<crypto::Sha384Digest> again = bank.Extend(16, Bytes{2});
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("locked"), std::string::npos);
  EXPECT_TRUE(bank.Describe(31)->locked);
}

TEST(PcrBankTest, BootMeasurementsAreSetAndLocked) {
  Result<PcrBank> bank = PcrBank::WithBootMeasurements({{0, Bytes(48, 0xab)}});
  ASSERT_TRUE(bank.ok());
  EXPECT_TRUE(bank->Describe(0)->locked);
  EXPECT_EQ(bank->Describe(0)->value[0], 0xab);
  EXPECT_FALSE(bank->Extend(0, Bytes{1}).ok());
  EXPECT_FALSE(PcrBank::WithBootMeasurements({{0, Bytes(32)}}).ok());
  EXPECT_FALSE(PcrBank::WithBootMeasurements({{32, Bytes(48)}}).ok());
}

TEST(PcrBankTest, RefusesIndexesOutOfRange) {
  PcrBank bank;
  EXPECT_FALSE(bank.Extend(32, Bytes{1}).ok());
  EXPECT_FALSE(bank.Extend(-1, Bytes{1}).ok());
  EXPECT_FALSE(bank.Lock(40).ok());
  EXPECT_FALSE(bank.LockRange(33).ok());
  EXPECT_FALSE(bank.Describe(99).ok());
  EXPECT_FALSE(bank.Extend(0, Bytes(kMaxExtendBytes + 1)).ok());
}

}  // namespace
}  // namespace vigil::attestation
