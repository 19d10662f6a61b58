#include "signer/signer_config.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "tlog/note.h"

namespace vigil::signer {
namespace {

constexpr char kVkey[] = "example.com/ledger+0b9e8a4c+AQ6rkp3wuT5c6yPQi7QqMAfVdU7LUv3m6sQ9UW3uFc3k";

class SignerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-signer-config-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }
  Result<SignerConfig> Load(const std::string& text) {
    const fs::path path = temp_->path() / "signer.toml";
    EXPECT_TRUE(WriteFileAtomic(path, AsBytes(text)).ok());
    return LoadSignerConfig(path);
  }
  std::string Valid(const std::string& keys) {
    return "[service]\nlisten = [\"unix:s.sock\"]\ncert = \"s.crt\"\nkey = \"s.key\"\n"
           "ca = \"ca.crt\"\npolicy = \"policy.d\"\naudit_log = \"audit.log\"\n"
           "state_dir = \"state\"\n[ledger]\naddress = \"unix:l.sock\"\nverifier_key = \"" +
           vkey_ + "\"\nfreshness_seconds = 60\n" + keys;
  }
  std::unique_ptr<TempDir> temp_;
  std::string vkey_;
};

TEST_F(SignerConfigTest, ReadsKeysAndResolvesPaths) {
  // A real verifier key (the checked-in constant above is only for the malformed case).
  auto signer = tlog::NoteSigner::Create("example.com/ledger");
  ASSERT_TRUE(signer.ok());
  vkey_ = signer->VerifierKey();
  auto config =
      Load(Valid("[keys.release]\nalgorithm = \"ed25519\"\nfile = \"release.key\"\n"
                 "[keys.hsm]\nalgorithm = \"ecdsa-p256\"\npkcs11_module = "
                 "\"/usr/lib/softhsm/libsofthsm2.so\"\n"
                 "pkcs11_token = \"vigil\"\npkcs11_pin_file = \"pin\"\n"));
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->ledger_origin, "example.com/ledger");
  EXPECT_EQ(config->freshness.count(), 60);
  EXPECT_EQ(config->state_dir, temp_->path() / "state");
  ASSERT_EQ(config->keys.size(), 2u);
  EXPECT_EQ(config->keys.at("release").file, temp_->path() / "release.key");
  EXPECT_TRUE(config->keys.at("hsm").is_pkcs11());
  EXPECT_EQ(config->keys.at("hsm").pkcs11_label, "hsm");
  EXPECT_EQ(config->keys.at("hsm").algorithm, crypto::KeyAlgorithm::kEcdsaP256);
}

TEST_F(SignerConfigTest, RejectsMistakesWithTheirLine) {
  auto signer = tlog::NoteSigner::Create("example.com/ledger");
  ASSERT_TRUE(signer.ok());
  vkey_ = signer->VerifierKey();
  const std::string key = "[keys.release]\nalgorithm = \"ed25519\"\nfile = \"k\"\n";
  auto typo = Load(Valid(key + "flie = \"x\"\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("signer.toml:16: unknown key 'flie'"), std::string::npos)
      << typo.error().message();
  EXPECT_FALSE(Load(Valid("[keys.release]\nalgorithm = \"rsa\"\nfile = \"k\"\n")).ok());
  EXPECT_FALSE(Load(Valid("[keys.release]\nalgorithm = \"ed25519\"\n")).ok());
  EXPECT_FALSE(Load(Valid("[keys.Release]\nalgorithm = \"ed25519\"\nfile = \"k\"\n")).ok());
  EXPECT_FALSE(Load(Valid("")).ok());
  vkey_ = kVkey;  // a key ID that does not match the key
  EXPECT_FALSE(Load(Valid(key)).ok());
  EXPECT_FALSE(Load("not toml [").ok());
}

// The witness policy is read with the configuration: a policy that does not parse is named
// with its line in the configuration and the policy's own line.
TEST_F(SignerConfigTest, ReadsTheWitnessPolicy) {
  vkey_ = tlog::NoteSigner::Create("example.com/ledger")->VerifierKey();
  const std::string key = "[keys.release]\nalgorithm = \"ed25519\"\nfile = \"k\"\n";
  const std::string with_policy = Valid("witness_policy = \"witnesses\"\n" + key);
  ASSERT_TRUE(WriteFileAtomic(temp_->path() / "witnesses", AsBytes("quorum none\n")).ok());
  auto config = Load(with_policy);
  ASSERT_TRUE(config.ok()) << config.error().message();
  ASSERT_TRUE(config->witness_policy.has_value());
  EXPECT_FALSE(config->witness_policy->quorum.has_value());
  ASSERT_TRUE(WriteFileAtomic(temp_->path() / "witnesses", AsBytes("quorum w1\n")).ok());
  auto undefined = Load(with_policy);
  ASSERT_FALSE(undefined.ok());
  EXPECT_NE(undefined.error().message().find("signer.toml:13"), std::string::npos)
      << undefined.error().message();
  EXPECT_NE(undefined.error().message().find("quorum w1 is not defined"), std::string::npos);
  EXPECT_FALSE(Load(Valid("witness_policy = \"absent\"\n" + key)).ok());
}

}  // namespace
}  // namespace vigil::signer
