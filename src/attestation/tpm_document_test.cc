// TPM documents (docs/SPEC-tpm.md): read strictly, and verified against two real software
// TPMs (swtpm, their EKs certified by one test CA), whose "firmware" is simulated by
// extending PCRs and writing the matching event log. Every refusal the issue names has a
// case here: a quote from another TPM, a replayed quote, a log that does not replay, an EK
// from an untrusted root, an attestation key not bound to the EK.
#include "attestation/tpm_document.h"

#include <gtest/gtest.h>

#include <ctime>
#include <memory>

#include "attestation/tpm2_credential.h"
#include "attestation/tpm2_ek_certificate.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm_document_verifier.h"
#include "attestation/tpm_event_log_builder.h"
#include "attestation/tpm_provider.h"
#include "base/file.h"
#include "image/swtpm.h"

namespace vigil::attestation {
namespace {

using testing::AppendEvent;
using testing::EventLogHeader;
using testing::FilledDigest;

std::string MessageOf(const Result<AttestationDocument>& result) {
  return result.ok() ? "(verified)" : result.error().message();
}

// One swtpm with a TpmProvider on its command socket and an event log file.
struct TestTpm {
  std::unique_ptr<image::Swtpm> swtpm;
  std::unique_ptr<TpmProvider> provider;
  fs::path log;
};

class TpmDocumentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto dir = TempDir::Create(fs::temp_directory_path(), "vigil-tpm-document-test-");
    ASSERT_TRUE(dir.ok());
    dir_ = new TempDir(std::move(*dir));
    for (int i = 0; i < 2; ++i) {
      const fs::path work = dir_->path() / ("tpm" + std::to_string(i));
      const auto fill = static_cast<std::uint8_t>(0x40 + i);
      auto swtpm = image::Swtpm::Start(
          {.work_dir = work, .ca_dir = dir_->path() / "ca", .serve_commands = true});
      ASSERT_TRUE(swtpm.ok()) << swtpm.error().message();
      tpms_[i].swtpm = std::move(*swtpm);
      tpms_[i].log = dir_->path() / ("log" + std::to_string(i));
      // The firmware measures one event into PCR4, and logs it.
      Bytes log = EventLogHeader();
      AppendEvent(log, 4, kEvEfiBootServicesApplication, fill, Bytes(8, 1));
      ASSERT_TRUE(WriteFileAtomic(tpms_[i].log, log).ok());
      auto client = Tpm2Client::ConnectUnix(tpms_[i].swtpm->command_socket().string());
      ASSERT_TRUE(client.ok()) << client.error().message();
      ASSERT_TRUE(client->ExtendPcr(4, FilledDigest(fill)).ok());
      auto provider = TpmProvider::Open(std::move(*client), tpms_[i].log.string());
      ASSERT_TRUE(provider.ok()) << provider.error().message();
      tpms_[i].provider = std::move(*provider);
    }
    auto roots = ReadFile(dir_->path() / "ca" / "swtpm-localca-rootca-cert.pem", 1 << 16);
    auto intermediates = ReadFile(dir_->path() / "ca" / "issuercert.pem", 1 << 16);
    ASSERT_TRUE(roots.ok() && intermediates.ok());
    trust_ = new TpmTrust{.roots_pem = std::string(AsText(*roots)),
                          .intermediates_pem = std::string(AsText(*intermediates))};
  }
  static void TearDownTestSuite() {
    for (TestTpm& tpm : tpms_) {
      tpm.provider.reset();  // before its TPM
      tpm.swtpm.reset();
    }
    delete trust_;
    delete dir_;
  }

  // The verifier's side of the activation: a credential for `document`'s key, made to the
  // EK in `ek_from`'s certificate, answered by `tpm`. The key's name when the secret came back.
  static Result<Bytes> Activate(TestTpm& tpm, const TpmDocument& document,
                                const TpmDocument& ek_from) {
    VIGIL_ASSIGN_OR_RETURN(Bytes ek,
                           VerifyEkCertificate(ek_from.ek_certificate,
                                               {.roots_pem = trust_->roots_pem,
                                                .intermediates_pem = trust_->intermediates_pem},
                                               std::time(nullptr)));
    VIGIL_ASSIGN_OR_RETURN(Tpm2AttestationKey key, ParseTpm2AttestationKey(document.ak_public));
    const Bytes secret(32, 0x5e);
    VIGIL_ASSIGN_OR_RETURN(Tpm2Credential credential, MakeTpm2Credential(ek, key.name, secret));
    VIGIL_ASSIGN_OR_RETURN(
        crypto::SecretBytes answer,
        tpm.provider->ActivateCredential(credential.id_object, credential.encrypted_secret));
    if (!crypto::ConstantTimeEqual(answer.view(), secret)) return Error::Failed("wrong secret");
    return key.name;
  }

  static Bytes Attest(TestTpm& tpm, const Bytes& nonce) {
    AttestationRequest request{
        .user_data = Bytes(32, 0xda), .nonce = nonce, .public_key = Bytes(65, 0x04)};
    auto document = tpm.provider->Attest(request);
    EXPECT_TRUE(document.ok()) << document.error().message();
    return document.ok() ? *document : Bytes();
  }

  static VerifyOptions Options(std::optional<Bytes> activated, const Bytes& nonce) {
    VerifyOptions options{.time_seconds = std::time(nullptr), .tpm = *trust_};
    options.tpm->activated_ak_name = std::move(activated);
    options.expect.nonce = nonce;
    options.expect.user_data = Bytes(32, 0xda);
    return options;
  }

  static TempDir* dir_;
  static TestTpm tpms_[2];
  static TpmTrust* trust_;
};
TempDir* TpmDocumentTest::dir_ = nullptr;
TestTpm TpmDocumentTest::tpms_[2];
TpmTrust* TpmDocumentTest::trust_ = nullptr;

TEST_F(TpmDocumentTest, ADocumentFromAnActivatedKeyVerifies) {
  const Bytes nonce(32, 0x01);
  const Bytes bytes = Attest(tpms_[0], nonce);
  ASSERT_TRUE(LooksLikeTpmDocument(bytes));
  auto document = DecodeTpmDocument(bytes);
  ASSERT_TRUE(document.ok()) << document.error().message();
  EXPECT_EQ(EncodeTpmDocument(*document), bytes);
  auto name = Activate(tpms_[0], *document, *document);
  ASSERT_TRUE(name.ok()) << name.error().message();
  auto verified = VerifyDocument(bytes, Options(*name, nonce));
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_TRUE(IsTpmDocument(*verified));
  EXPECT_EQ(verified->pcrs.size(), TpmQuotedPcrs().size());
  EXPECT_EQ(verified->public_key, Bytes(65, 0x04));
  EXPECT_EQ(verified->certificate, document->ek_certificate);
  // PCR4 holds the simulated firmware's one event.
  Bytes pcr4(32, 0);
  const crypto::Sha256Digest event = FilledDigest(0x40);
  pcr4.insert(pcr4.end(), event.begin(), event.end());
  const crypto::Sha256Digest expected = crypto::Sha256(pcr4);
  EXPECT_EQ(verified->pcrs.at(4), Bytes(expected.begin(), expected.end()));
}

TEST_F(TpmDocumentTest, WithoutTheActivationTheKeyIsNotTrusted) {
  const Bytes nonce(32, 0x02);
  const Bytes bytes = Attest(tpms_[0], nonce);
  EXPECT_NE(MessageOf(VerifyDocument(bytes, Options(std::nullopt, nonce))).find("activation: "),
            std::string::npos);
  VerifyOptions no_trust = Options(std::nullopt, nonce);
  no_trust.tpm.reset();
  EXPECT_NE(MessageOf(VerifyDocument(bytes, no_trust)).find("root: "), std::string::npos);
}

TEST_F(TpmDocumentTest, AQuoteFromAnotherTpmIsRefused) {
  const Bytes nonce(32, 0x03);
  auto ours = DecodeTpmDocument(Attest(tpms_[0], nonce));
  const Bytes theirs = Attest(tpms_[1], nonce);
  auto other = DecodeTpmDocument(theirs);
  ASSERT_TRUE(ours.ok() && other.ok());
  auto name = Activate(tpms_[0], *ours, *ours);
  ASSERT_TRUE(name.ok()) << name.error().message();
  // The verifier activated TPM 0's key; TPM 1's document is by another key.
  EXPECT_NE(MessageOf(VerifyDocument(theirs, Options(*name, nonce))).find("activation: "),
            std::string::npos);
  // And TPM 1 cannot answer a credential made to TPM 0's EK, even for its own key.
  EXPECT_FALSE(Activate(tpms_[1], *other, *ours).ok());
  // Nor TPM 0 one made for TPM 1's key.
  EXPECT_FALSE(Activate(tpms_[0], *other, *ours).ok());
}

TEST_F(TpmDocumentTest, AReplayedQuoteIsRefused) {
  auto old = DecodeTpmDocument(Attest(tpms_[0], Bytes(32, 0x04)));
  ASSERT_TRUE(old.ok());
  auto name = Activate(tpms_[0], *old, *old);
  ASSERT_TRUE(name.ok());
  const Bytes fresh(32, 0x05);
  EXPECT_NE(
      MessageOf(VerifyDocument(EncodeTpmDocument(*old), Options(*name, fresh))).find("nonce: "),
      std::string::npos);
  // The old quote passed off with the fresh nonce written into the document.
  TpmDocument forged = *old;
  forged.nonce = fresh;
  EXPECT_NE(MessageOf(VerifyDocument(EncodeTpmDocument(forged), Options(*name, fresh)))
                .find("quote: the quote is not over this verifier's nonce (a replayed quote)"),
            std::string::npos);
  // So is any other field the qualifying data binds.
  forged = *old;
  forged.public_key = Bytes(65, 0x05);
  EXPECT_NE(MessageOf(VerifyDocument(EncodeTpmDocument(forged), Options(*name, Bytes(32, 0x04))))
                .find("quote: "),
            std::string::npos);
}

TEST_F(TpmDocumentTest, ValuesOrALogThatDoNotMatchTheQuoteAreRefused) {
  const Bytes nonce(32, 0x06);
  auto document = DecodeTpmDocument(Attest(tpms_[0], nonce));
  ASSERT_TRUE(document.ok());
  auto name = Activate(tpms_[0], *document, *document);
  ASSERT_TRUE(name.ok());
  TpmDocument changed = *document;
  changed.pcrs[9] = FilledDigest(0x99);
  EXPECT_NE(MessageOf(VerifyDocument(EncodeTpmDocument(changed), Options(*name, nonce)))
                .find("quote: the quoted PCRs do not hold the expected values"),
            std::string::npos);
  // A log with one more event than the TPM saw.
  Result<TpmEventLog> log = ParseTpmEventLog(document->event_log);
  ASSERT_TRUE(log.ok());
  changed = *document;
  AppendEvent(changed.event_log, 9, kEvEventTag, 0x77, Bytes(4, 2));
  const std::string message =
      MessageOf(VerifyDocument(EncodeTpmDocument(changed), Options(*name, nonce)));
  EXPECT_NE(message.find("event log: PCR9 replays to"), std::string::npos) << message;
  EXPECT_NE(message.find("EV_EVENT_TAG"), std::string::npos) << message;
  // An expected value names the PCR and the events behind it.
  VerifyOptions options = Options(*name, nonce);
  options.expect.pcrs[4] = Bytes(32, 0);
  const std::string pcr4 = MessageOf(VerifyDocument(EncodeTpmDocument(*document), options));
  EXPECT_NE(pcr4.find("pcr4: "), std::string::npos) << pcr4;
  EXPECT_NE(pcr4.find("EV_EFI_BOOT_SERVICES_APPLICATION"), std::string::npos) << pcr4;
}

TEST_F(TpmDocumentTest, AnEkFromAnUntrustedRootIsRefused) {
  const Bytes nonce(32, 0x07);
  const Bytes bytes = Attest(tpms_[0], nonce);
  VerifyOptions options = Options(Bytes(34, 0), nonce);
  // The issuing CA alone, not its self-signed root, pinned as the root.
  options.tpm->roots_pem = options.tpm->intermediates_pem;
  options.tpm->intermediates_pem.clear();
  EXPECT_NE(MessageOf(VerifyDocument(bytes, options)).find("ek: "), std::string::npos);
}

TEST(TpmDocumentFormatTest, ReadsStrictly) {
  TpmDocument document{.module_id = "vigil-tpm (test)",
                       .quote = Bytes(10, 1),
                       .signature = Bytes(10, 2),
                       .ak_public = Bytes(10, 3),
                       .ek_certificate = Bytes(10, 4),
                       .event_log = Bytes(10, 5),
                       .nonce = Bytes(3, 6)};
  for (int index : TpmQuotedPcrs())
    document.pcrs[index] = FilledDigest(static_cast<std::uint8_t>(index));
  const Bytes bytes = EncodeTpmDocument(document);
  auto back = DecodeTpmDocument(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, document);
  EXPECT_FALSE(LooksLikeTpmDocument(Bytes{0x84, 0x40}));  // a COSE_Sign1 array
  auto message = [](const TpmDocument& d) {
    auto result = DecodeTpmDocument(EncodeTpmDocument(d));
    return result.ok() ? std::string("(read)") : result.error().message();
  };
  TpmDocument missing = document;
  missing.pcrs.erase(12);
  EXPECT_NE(message(missing).find("pcrs"), std::string::npos);
  TpmDocument empty = document;
  empty.quote.clear();
  EXPECT_NE(message(empty).find("quote"), std::string::npos);
  TpmDocument long_nonce = document;
  long_nonce.nonce = Bytes(513, 0);
  EXPECT_NE(message(long_nonce).find("nonce"), std::string::npos);
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_FALSE(DecodeTpmDocument(trailing).ok());
  Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(DecodeTpmDocument(truncated).ok());
}

TEST(TpmDocumentFormatTest, TheQualifyingDataBindsEveryField) {
  const AttestationRequest base{.user_data = Bytes{1}, .nonce = Bytes{2}, .public_key = Bytes{3}};
  const crypto::Sha256Digest digest = TpmQualifyingData(base);
  AttestationRequest moved{.user_data = Bytes{1, 2}, .nonce = Bytes{}, .public_key = Bytes{3}};
  EXPECT_NE(TpmQualifyingData(moved), digest);  // a byte moved between fields
  AttestationRequest absent = base;
  absent.nonce.reset();
  AttestationRequest empty = base;
  empty.nonce = Bytes{};
  EXPECT_NE(TpmQualifyingData(absent), TpmQualifyingData(empty));
}

}  // namespace
}  // namespace vigil::attestation
