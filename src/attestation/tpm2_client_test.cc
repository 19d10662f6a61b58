// The TPM2 client and the quote reader against a real software TPM (swtpm, manufactured by
// swtpm_setup with an EK certificate from a test CA), spoken to over its raw command socket.
#include "attestation/tpm2_client.h"

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "attestation/tpm2_credential.h"
#include "attestation/tpm2_ek_certificate.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm2_wire.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/subprocess.h"
#include "crypto/public_key.h"
#include "image/swtpm.h"

namespace vigil::attestation {
namespace {

class Tpm2ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-tpm2-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = new TempDir(std::move(*dir));
    auto tpm = image::Swtpm::Start(
        {.work_dir = dir_->path() / "tpm", .ca_dir = dir_->path() / "ca", .serve_commands = true});
    ASSERT_TRUE(tpm.ok()) << tpm.error().message();
    tpm_ = tpm->release();
  }
  static void TearDownTestSuite() {
    delete tpm_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(tpm_, nullptr);
    auto client = Tpm2Client::ConnectUnix(tpm_->command_socket().string());
    ASSERT_TRUE(client.ok()) << client.error().message();
    client_ = std::make_unique<Tpm2Client>(std::move(*client));
  }
  static TempDir* dir_;
  static image::Swtpm* tpm_;
  std::unique_ptr<Tpm2Client> client_;
};
TempDir* Tpm2ClientTest::dir_ = nullptr;
image::Swtpm* Tpm2ClientTest::tpm_ = nullptr;

crypto::Sha256Digest Extended(const crypto::Sha256Digest& pcr, const crypto::Sha256Digest& d) {
  Bytes joined(pcr.begin(), pcr.end());
  joined.insert(joined.end(), d.begin(), d.end());
  return crypto::Sha256(joined);
}

TEST_F(Tpm2ClientTest, ExtendsAndReadsPcrs) {
  auto before = client_->ReadPcrs({15});
  ASSERT_TRUE(before.ok()) << before.error().message();
  const crypto::Sha256Digest digest = crypto::Sha256(AsBytes("a commitment"));
  ASSERT_TRUE(client_->ExtendPcr(15, digest).ok());
  auto after = client_->ReadPcrs({15, 0});
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ((*after)[0], Extended((*before)[0], digest));
  EXPECT_FALSE(client_->ReadPcrs({24}).ok());
  EXPECT_FALSE(client_->ExtendPcr(-1, digest).ok());
}

TEST_F(Tpm2ClientTest, AQuoteVerifiesUnderItsKeyAndSaysWhatWasQuoted) {
  auto key = client_->CreateAttestationKey();
  ASSERT_TRUE(key.ok()) << key.error().message();
  auto parsed_key = ParseTpm2AttestationKey(key->public_area);
  ASSERT_TRUE(parsed_key.ok()) << parsed_key.error().message();
  EXPECT_EQ(parsed_key->name, key->name);  // the TPM's name is ours
  const Bytes nonce(32, 0x5a);
  auto quote = client_->Quote(*key, nonce, {0, 4, 15});
  ASSERT_TRUE(quote.ok()) << quote.error().message();
  auto info = ParseTpm2Quote(quote->attest);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->extra_data, nonce);
  EXPECT_EQ(info->pcrs, (std::vector<int>{0, 4, 15}));
  auto values = client_->ReadPcrs({0, 4, 15});
  ASSERT_TRUE(values.ok());
  const crypto::Sha256Digest digest = Tpm2PcrDigest(*values);
  EXPECT_EQ(info->pcr_digest, Bytes(digest.begin(), digest.end()));
  EXPECT_TRUE(VerifyTpm2Signature(*parsed_key, quote->attest, quote->signature).ok());
  // The whole check, and each refusal naming its check.
  std::vector<std::pair<int, crypto::Sha256Digest>> expected_pcrs = {
      {0, (*values)[0]}, {4, (*values)[1]}, {15, (*values)[2]}};
  Tpm2QuoteExpectation expected{
      .attestation_key = key->public_area, .nonce = nonce, .pcrs = expected_pcrs};
  EXPECT_TRUE(VerifyTpm2Quote(quote->attest, quote->signature, expected).ok());
  const Bytes old_nonce(32, 0x11);
  expected.nonce = old_nonce;
  EXPECT_NE(
      VerifyTpm2Quote(quote->attest, quote->signature, expected).error().message().find("replayed"),
      std::string::npos);
  expected.nonce = nonce;
  expected.pcrs[1].second[0] ^= 1;
  EXPECT_NE(VerifyTpm2Quote(quote->attest, quote->signature, expected)
                .error()
                .message()
                .find("PCR digest"),
            std::string::npos);
  expected.pcrs.pop_back();
  EXPECT_NE(
      VerifyTpm2Quote(quote->attest, quote->signature, expected).error().message().find("select"),
      std::string::npos);
  // tpm2-tools agrees: the signature, the nonce.
  const fs::path files = dir_->path() / "checkquote";
  fs::create_directories(files);
  const crypto::PublicKey ak =
      crypto::PublicKey::FromDer(
          crypto::PublicKeyDerFromRaw(crypto::KeyAlgorithm::kEcdsaP256, parsed_key->point).value())
          .value();
  ASSERT_TRUE(WriteFileAtomic(files / "ak.pem", AsBytes(ak.Pem())).ok());
  ASSERT_TRUE(WriteFileAtomic(files / "quote.msg", quote->attest).ok());
  ASSERT_TRUE(WriteFileAtomic(files / "quote.sig", quote->signature).ok());
  auto checked =
      vigil::Run({.argv = {"tpm2_checkquote", "-u", (files / "ak.pem").string(), "-m",
                           (files / "quote.msg").string(), "-s", (files / "quote.sig").string(),
                           "-g", "sha256", "-q", HexEncode(nonce)},
                  .capture_stderr = true});
  ASSERT_TRUE(checked.ok());
  EXPECT_TRUE(checked->exit.ok()) << checked->output;
  // Another attestation, or another key, does not verify.
  Bytes changed = quote->attest;
  changed.back() ^= 1;
  EXPECT_FALSE(VerifyTpm2Signature(*parsed_key, changed, quote->signature).ok());
  // The same template under the same endorsement seed is the same key (so a TPM's
  // attestation key is fixed by its EK's hierarchy); another key's point does not verify.
  auto again = client_->CreateAttestationKey();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->name, key->name);
  Tpm2AttestationKey other = *parsed_key;
  other.point = HexDecode(
                    "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
                    .value();  // P-256's generator
  EXPECT_FALSE(VerifyTpm2Signature(other, quote->attest, quote->signature).ok());
  EXPECT_TRUE(client_->FlushContext(key->handle).ok());
  EXPECT_TRUE(client_->FlushContext(again->handle).ok());
  EXPECT_FALSE(client_->Quote(*key, Bytes(65, 1), {0}).ok());  // nonce too long
}

TEST_F(Tpm2ClientTest, ReadsTheEkCertificateFromNv) {
  auto certificate = client_->ReadNv(0x01c00002);  // the RSA 2048 EK's, as swtpm_setup writes it
  ASSERT_TRUE(certificate.ok()) << certificate.error().message();
  ASSERT_GT(certificate->size(), 300u);
  EXPECT_EQ((*certificate)[0], 0x30);  // a DER SEQUENCE
  const std::size_t length = ((*certificate)[2] << 8) | (*certificate)[3];
  EXPECT_EQ(length + 4, certificate->size());
  auto absent = client_->ReadNv(0x01c0ffff);
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message().find("NV_ReadPublic"), std::string::npos);
}

// The EK certificate chains to the test CA; a credential made in software to the EK in it
// for the attestation key is recovered by this TPM, and by nobody for another key.
TEST_F(Tpm2ClientTest, TheAttestationKeyIsBoundToTheCertifiedEk) {
  auto certificate = client_->ReadNv(0x01c00002);
  ASSERT_TRUE(certificate.ok()) << certificate.error().message();
  const Bytes root = ReadFile(tpm_->root_certificate(), 1 << 20).value();
  const Bytes issuer = ReadFile(dir_->path() / "ca" / "issuercert.pem", 1 << 20).value();
  const EkTrust trust{.roots_pem = AsText(root), .intermediates_pem = AsText(issuer)};
  auto ek = VerifyEkCertificate(*certificate, trust, std::time(nullptr));
  ASSERT_TRUE(ek.ok()) << ek.error().message();
  // Without the intermediate, or against another root (the intermediate itself), refused.
  EXPECT_FALSE(
      VerifyEkCertificate(*certificate, {.roots_pem = AsText(root)}, std::time(nullptr)).ok());
  // A pinned root must be the self-signed anchor: the signing CA alone is not one.
  EXPECT_FALSE(
      VerifyEkCertificate(*certificate, {.roots_pem = AsText(issuer)}, std::time(nullptr)).ok());
  EXPECT_FALSE(VerifyEkCertificate(Bytes(certificate->begin(), certificate->end() - 1), trust,
                                   std::time(nullptr))
                   .ok());

  auto key = client_->CreateAttestationKey();
  ASSERT_TRUE(key.ok()) << key.error().message();
  const Bytes secret(32, 0x42);
  auto credential = MakeTpm2Credential(*ek, key->name, secret);
  ASSERT_TRUE(credential.ok()) << credential.error().message();
  auto recovered =
      client_->ActivateCredential(*key, credential->id_object, credential->encrypted_secret);
  ASSERT_TRUE(recovered.ok()) << recovered.error().message();
  EXPECT_EQ(Bytes(recovered->view().begin(), recovered->view().end()), secret);

  // tpm2-tools makes the same kind of credential (tpm2_makecredential --tcti=none) and this
  // TPM recovers it too: the file is 0xbadcc0de, version 1, TPM2B_ID_OBJECT,
  // TPM2B_ENCRYPTED_SECRET.
  const fs::path files = dir_->path() / "makecredential";
  fs::create_directories(files);
  ASSERT_TRUE(WriteFileAtomic(files / "ek.der", *ek).ok());
  auto pem = vigil::Run({.argv = {"openssl", "pkey", "-pubin", "-inform", "DER", "-in",
                                  (files / "ek.der").string(), "-out", (files / "ek.pem").string()},
                         .capture_stderr = true});
  ASSERT_TRUE(pem.ok() && pem->exit.ok());
  ASSERT_TRUE(WriteFileAtomic(files / "secret", secret).ok());
  auto made =
      vigil::Run({.argv = {"tpm2_makecredential", "--tcti=none", "-u", (files / "ek.pem").string(),
                           "-G", "rsa", "-s", (files / "secret").string(), "-n",
                           HexEncode(key->name), "-o", (files / "credential").string()},
                  .capture_stderr = true});
  ASSERT_TRUE(made.ok() && made->exit.ok()) << (made.ok() ? made->output : "");
  const Bytes file = ReadFile(files / "credential", 4096).value();
  tpm2::Reader in(file);
  ASSERT_EQ(in.U32(), 0xbadcc0deu);
  ASSERT_EQ(in.U32(), 1u);
  const ByteView id_object = in.Sized();
  const ByteView encrypted_secret = in.Sized();
  ASSERT_TRUE(in.done());
  auto from_tools = client_->ActivateCredential(*key, id_object, encrypted_secret);
  ASSERT_TRUE(from_tools.ok()) << from_tools.error().message();
  EXPECT_EQ(Bytes(from_tools->view().begin(), from_tools->view().end()), secret);

  // Made for another key's name: the TPM refuses it (the integrity check fails).
  Bytes other_name = key->name;
  other_name.back() ^= 1;
  auto misdirected = MakeTpm2Credential(*ek, other_name, secret);
  ASSERT_TRUE(misdirected.ok());
  auto refused =
      client_->ActivateCredential(*key, misdirected->id_object, misdirected->encrypted_secret);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("ActivateCredential"), std::string::npos);
  EXPECT_TRUE(client_->FlushContext(key->handle).ok());
}

TEST(Tpm2QuoteTest, RefusesWhatIsNotAQuoteOrAnAttestationKey) {
  EXPECT_FALSE(ParseTpm2Quote(Bytes(10, 0)).ok());
  Bytes not_quote = {0xff, 0x54, 0x43, 0x47, 0x80, 0x17};
  EXPECT_NE(ParseTpm2Quote(not_quote).error().message().find("not a quote"), std::string::npos);
  EXPECT_FALSE(ParseTpm2AttestationKey(Bytes(20, 0)).ok());
}

}  // namespace
}  // namespace vigil::attestation
