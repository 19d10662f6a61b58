// Signer key files: DSSE envelopes signed with them verify, and the files are guarded.
#include "signer/file_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file.h"
#include "provenance/dsse.h"

namespace vigil::signer {
namespace {

using crypto::KeyAlgorithm;
using provenance::DsseEnvelope;
using provenance::kInTotoPayloadType;
using provenance::ParseEnvelope;
using provenance::PreAuthEncoding;
using provenance::SerializeEnvelope;
using provenance::VerifyEnvelope;

class DsseTest : public ::testing::TestWithParam<KeyAlgorithm> {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-dsse-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
  }
  std::unique_ptr<TempDir> temp_;
};

TEST_P(DsseTest, SignedEnvelopesVerifyAndTamperingIsDetected) {
  const fs::path path = temp_->path() / "key";
  auto created = GenerateFileKey(path, GetParam());
  ASSERT_TRUE(created.ok()) << created.error().message();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_FALSE(GenerateFileKey(path, GetParam()).ok()) << "a key file is never replaced";

  auto key = OpenFileKey(path, GetParam());
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ((*key)->public_key().KeyId(), created->KeyId());
  auto from_pem = crypto::PublicKey::FromPem(created->Pem());
  ASSERT_TRUE(from_pem.ok());
  EXPECT_EQ(from_pem->der(), created->der());

  const std::string payload = R"({"a":1})";
  DsseEnvelope envelope{std::string(kInTotoPayloadType), Bytes(payload.begin(), payload.end()), {}};
  auto sig = (*key)->Sign(PreAuthEncoding(envelope.payload_type, envelope.payload));
  ASSERT_TRUE(sig.ok());
  envelope.signatures.push_back({created->KeyId(), *sig});
  const std::string text = SerializeEnvelope(envelope);
  auto parsed = ParseEnvelope(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(VerifyEnvelope(*parsed, *created).ok());

  DsseEnvelope altered = *parsed;
  altered.payload.back() ^= 1;
  EXPECT_FALSE(VerifyEnvelope(altered, *created).ok());
  altered = *parsed;
  altered.payload_type = "text/plain";
  EXPECT_FALSE(VerifyEnvelope(altered, *created).ok());

  // Another key of the same algorithm does not verify it.
  auto other = GenerateFileKey(temp_->path() / "other", GetParam());
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(VerifyEnvelope(*parsed, *other).ok());
  // And a key file of the other algorithm is refused as configured.
  const KeyAlgorithm wrong =
      GetParam() == KeyAlgorithm::kEd25519 ? KeyAlgorithm::kEcdsaP256 : KeyAlgorithm::kEd25519;
  EXPECT_FALSE(OpenFileKey(path, wrong).ok());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, DsseTest,
                         ::testing::Values(KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256));

TEST(KeyFileTest, RefusesAKeyFileOthersCanRead) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-keyfile-test.");
  ASSERT_TRUE(temp.ok());
  const fs::path path = temp->path() / "key";
  ASSERT_TRUE(GenerateFileKey(path, KeyAlgorithm::kEd25519).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto opened = OpenFileKey(path, KeyAlgorithm::kEd25519);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message().find("chmod 600"), std::string::npos);
  EXPECT_FALSE(OpenFileKey(temp->path() / "missing", KeyAlgorithm::kEd25519).ok());
}

TEST(PublicKeyTest, RejectsWhatIsNotAnEd25519OrP256Key) {
  EXPECT_FALSE(crypto::PublicKey::FromPem("not a key").ok());
  EXPECT_FALSE(crypto::PublicKey::FromDer(Bytes{0x30, 0x00}).ok());
  // A P-256 point that is not on the curve.
  Bytes point(65, 0x01);
  point[0] = 0x04;
  EXPECT_FALSE(crypto::PublicKeyDerFromRaw(KeyAlgorithm::kEcdsaP256, point).ok());
  EXPECT_FALSE(crypto::ParseKeyAlgorithm("rsa").ok());
}

}  // namespace
}  // namespace vigil::signer
