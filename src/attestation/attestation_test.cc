#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "attestation/cbor_writer.h"
#include "attestation/document_reader.h"
#include "attestation/document_verifier.h"
#include "attestation/document_writer.h"
#include "attestation/mock_nsm.h"
#include "attestation/mock_pki.h"
#include "attestation/nsm_device.h"
#include "attestation/pcrs_file.h"
#include "base/hex.h"
#include "crypto/es384.h"
#include "crypto/hash.h"

namespace vigil::attestation {
namespace {

// The real AWS document of tests/data/nitro (July 2022) and the time it was valid.
constexpr std::int64_t kAwsDocTime = 1657117192;
constexpr std::int64_t kDay = 24 * 3600;

Bytes ReadData(const std::string& name) {
  std::ifstream in("tests/data/nitro/" + name, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

Bytes Filled(std::size_t size, std::uint8_t byte) { return Bytes(size, byte); }

VerifyOptions AwsAt(std::int64_t time) {
  return VerifyOptions{.root_der = AwsRootDer(), .time_seconds = time};
}

VerifyOptions MockNow() {
  return VerifyOptions{
      .root_der = MockRootDer(), .time_seconds = std::time(nullptr), .trust_mock_root = true};
}

std::string FailedCheck(const Result<AttestationDocument>& result) {
  if (result.ok()) return "ok";
  EXPECT_EQ(result.error().code(), ErrorCode::kFailed) << result.error().message();
  const std::string& message = result.error().message();
  return message.substr(0, message.find(':'));
}

TEST(CborWriterTest, ShortestHeads) {
  CborWriter out;
  out.Unsigned(23);
  out.Unsigned(24);
  out.Unsigned(256);
  out.Unsigned(65536);
  out.Unsigned(1657117102484);
  out.Negative(-35);
  out.Text("a");
  out.Null();
  EXPECT_EQ(HexEncode(out.bytes()),
            "171818190100"
            "1a00010000"
            "1b00000181d3e05194"
            "3822"
            "6161"
            "f6");
}

TEST(CborWriterTest, SigStructureMatchesRfc9052Shape) {
  // ["Signature1", h'a1013822', h'', h'01']
  EXPECT_EQ(HexEncode(SigStructure(Es384ProtectedHeader(), Bytes{1})),
            "846a5369676e61747572653144a101382240"
            "4101");
}

TEST(Es384Test, SignsAndVerifiesWithTheMockLeaf) {
  Result<MockPki> pki = LoadMockPki();
  ASSERT_TRUE(pki.ok()) << pki.error().message();
  Result<Bytes> signature = pki->leaf_key.Sign(AsBytes("message"));
  ASSERT_TRUE(signature.ok());
  EXPECT_EQ(signature->size(), crypto::kEs384SignatureSize);
  EXPECT_TRUE(crypto::Es384VerifyWithCertificate(pki->leaf, AsBytes("message"), *signature).ok());
  Status wrong = crypto::Es384VerifyWithCertificate(pki->leaf, AsBytes("massage"), *signature);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kFailed);
}

TEST(AwsDocumentTest, VerifiesAgainstTheAwsRootWhenItWasValid) {
  EXPECT_EQ(HexEncode(crypto::Sha256(AwsRootDer())),
            "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b");
  Result<AttestationDocument> doc =
      VerifyDocument(ReadData("aws_attestation_doc_2022.cbor"), AwsAt(kAwsDocTime));
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  EXPECT_EQ(doc->module_id, "i-07e25f3bada361dec-enc0181d3dff86da785");
  EXPECT_EQ(doc->timestamp_ms, 1657117102484u);
  EXPECT_EQ(doc->pcrs.size(), 16u);
  EXPECT_EQ(doc->cabundle.size(), 4u);
  EXPECT_EQ(doc->public_key->size(), 800u);
  EXPECT_EQ(HexEncode(*doc->user_data).substr(0, 8), "a2ec4272");
  EXPECT_FALSE(doc->nonce.has_value());
  EXPECT_FALSE(IsMockDocument(*doc));
}

TEST(AwsDocumentTest, FailsADayEarlierOrLaterAndWithTheMockRoot) {
  const Bytes doc = ReadData("aws_attestation_doc_2022.cbor");
  // A day later it is too old; a day earlier it comes from the future.
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, AwsAt(kAwsDocTime + kDay))), "time");
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, AwsAt(kAwsDocTime - kDay))), "time");
  VerifyOptions mock = MockNow();
  mock.time_seconds = kAwsDocTime;
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, mock)), "root");
}

TEST(AwsDocumentTest, TheAgeBoundIsAPolicyAndTheChainIsCheckedAtTheDocumentsTime) {
  const Bytes doc = ReadData("aws_attestation_doc_2022.cbor");  // made 90 s before kAwsDocTime
  VerifyOptions options = AwsAt(kAwsDocTime);
  options.max_age_seconds = 89;
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, options)), "time");
  options.max_age_seconds = 90;
  EXPECT_TRUE(VerifyDocument(doc, options).ok());
  // A kept record: any age, and the chain still holds at the document's own time.
  options = AwsAt(kAwsDocTime + 365 * kDay);
  options.max_age_seconds.reset();
  EXPECT_TRUE(VerifyDocument(doc, options).ok());
}

TEST(AwsDocumentTest, ChecksExpectations) {
  const Bytes doc = ReadData("aws_attestation_doc_2022.cbor");
  VerifyOptions options = AwsAt(kAwsDocTime);
  options.expect.user_data = Filled(32, 0);
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, options)), "user_data");
  options = AwsAt(kAwsDocTime);
  options.expect.pcrs[20] = Filled(48, 0);
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, options)), "pcr20");
  options = AwsAt(kAwsDocTime);
  options.expect.no_nonce = true;
  EXPECT_TRUE(VerifyDocument(doc, options).ok());
}

TEST(AwsDocumentTest, TamperingIsCaught) {
  Bytes doc = ReadData("aws_attestation_doc_2022.cbor");
  doc[doc.size() - 5] ^= 1;  // inside the signature
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, AwsAt(kAwsDocTime))), "signature");
  doc = ReadData("aws_attestation_doc_2022.cbor");
  doc.push_back(0);
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, AwsAt(kAwsDocTime))), "syntax");
  doc = Bytes(doc.begin(), doc.begin() + 3000);  // cut short
  EXPECT_EQ(FailedCheck(VerifyDocument(doc, AwsAt(kAwsDocTime))), "syntax");
}

std::unique_ptr<MockNsm> Mock() {
  std::map<int, Bytes> boot{{0, Filled(48, 0xa0)}, {1, Filled(48, 0xa1)}, {2, Filled(48, 0xa2)}};
  Result<std::unique_ptr<MockNsm>> nsm = MockNsm::Create(boot);
  EXPECT_TRUE(nsm.ok());
  return std::move(*nsm);
}

TEST(MockNsmTest, DescribesItselfAndItsLockedRegisters) {
  auto nsm = Mock();
  Result<NsmDescription> description = nsm->Describe();
  ASSERT_TRUE(description.ok());
  EXPECT_EQ(description->max_pcrs, 32);
  EXPECT_EQ(description->digest, "SHA384");
  EXPECT_EQ(description->locked_pcrs, (std::set<std::uint16_t>{0, 1, 2}));
  EXPECT_FALSE(nsm->ExtendPcr(1, AsBytes("x")).ok());
  ASSERT_TRUE(nsm->ExtendPcr(16, AsBytes("x")).ok());
  ASSERT_TRUE(nsm->LockPcrs(32).ok());
  EXPECT_EQ(nsm->Describe()->locked_pcrs.size(), 32u);
  Result<crypto::Sha384Digest> after = nsm->ExtendPcr(16, AsBytes("y"));
  ASSERT_FALSE(after.ok());
}

TEST(MockNsmTest, DocumentsVerifyWithTheMockRootOnlyWhenTrusted) {
  auto nsm = Mock();
  ASSERT_TRUE(nsm->ExtendPcr(16, AsBytes("setup")).ok());
  const Bytes user_data = Filled(32, 7);
  const Bytes public_key = Filled(130, 4);
  Result<Bytes> doc = nsm->Attest({.user_data = user_data, .public_key = public_key});
  ASSERT_TRUE(doc.ok()) << doc.error().message();

  VerifyOptions options = MockNow();
  options.expect.user_data = user_data;
  options.expect.public_key = public_key;
  options.expect.no_nonce = true;
  options.expect.pcrs[0] = Filled(48, 0xa0);
  const crypto::Sha384Digest pcr16 = nsm->DescribePcr(16)->value;
  options.expect.pcrs[16] = Bytes(pcr16.begin(), pcr16.end());
  Result<AttestationDocument> verified = VerifyDocument(*doc, options);
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_TRUE(IsMockDocument(*verified));
  EXPECT_EQ(verified->pcrs.size(), 32u);
  const auto now_ms = static_cast<std::uint64_t>(std::time(nullptr)) * 1000;
  EXPECT_LE(verified->timestamp_ms, now_ms + 1000);
  EXPECT_GE(verified->timestamp_ms + 60'000, now_ms);

  options.trust_mock_root = false;
  EXPECT_EQ(FailedCheck(VerifyDocument(*doc, options)), "root");
  EXPECT_EQ(FailedCheck(VerifyDocument(*doc, AwsAt(std::time(nullptr)))), "root");
  options = MockNow();
  options.expect.public_key = Filled(130, 5);
  EXPECT_EQ(FailedCheck(VerifyDocument(*doc, options)), "public_key");
}

TEST(MockNsmTest, RefusesOversizeFields) {
  auto nsm = Mock();
  EXPECT_FALSE(nsm->Attest({.user_data = Filled(513, 0)}).ok());
  EXPECT_FALSE(nsm->Attest({.nonce = Filled(513, 0)}).ok());
  EXPECT_FALSE(nsm->Attest({.public_key = Filled(1025, 0)}).ok());
}

// A mock document whose payload is `payload`, properly signed: only the syntax check can
// refuse it.
Bytes SignedMockWithPayload(const Bytes& payload) {
  return SignPayload(payload, LoadMockPki().value().leaf_key).value();
}

AttestationDocument MockFields() {
  Result<MockPki> pki = LoadMockPki();
  AttestationDocument doc;
  doc.module_id = std::string(kMockModuleId);
  doc.timestamp_ms = static_cast<std::uint64_t>(std::time(nullptr)) * 1000;
  doc.pcrs[0] = Filled(48, 0);
  doc.certificate = pki->leaf;
  doc.cabundle = {pki->root, pki->intermediate};
  return doc;
}

TEST(DocumentReaderTest, AcceptsTheWriterAndTag18) {
  const Bytes payload = EncodePayload(MockFields());
  Result<AttestationDocument> read = ReadPayload(payload);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(*read, MockFields());
  Bytes tagged{0xd2};  // tag 18
  const Bytes doc = SignedMockWithPayload(payload);
  tagged.insert(tagged.end(), doc.begin(), doc.end());
  Result<CoseSign1> cose = ReadCoseSign1(tagged);
  EXPECT_TRUE(cose.ok()) << cose.error().message();
  tagged[0] = 0xd3;  // tag 19
  EXPECT_FALSE(ReadCoseSign1(tagged).ok());
}

TEST(DocumentReaderTest, RefusesDuplicateUnknownAndMissingKeys) {
  Bytes payload = EncodePayload(MockFields());
  // "nonce" -> "nonde": an unknown key.
  Bytes unknown = payload;
  unknown[unknown.size() - 3] = 'd';
  EXPECT_EQ(FailedCheck(VerifyDocument(SignedMockWithPayload(unknown), MockNow())), "syntax");
  CborWriter twice;
  twice.MapHeader(2);
  twice.Text("module_id");
  twice.Text("a");
  twice.Text("module_id");
  twice.Text("b");
  Result<AttestationDocument> read = ReadPayload(twice.bytes());
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message().find("twice"), std::string::npos);
  CborWriter missing;
  missing.MapHeader(1);
  missing.Text("module_id");
  missing.Text("a");
  EXPECT_FALSE(ReadPayload(missing.bytes()).ok());
}

TEST(DocumentReaderTest, RefusesIndefiniteLengthsAndBadValues) {
  // {"module_id": (_ "a")}: an indefinite-length text string.
  const Bytes indefinite = HexDecode(
                               "a1"
                               "696d6f64756c655f6964"
                               "7f6161ff")
                               .value();
  Result<AttestationDocument> read = ReadPayload(indefinite);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message().find("indefinite"), std::string::npos) << read.error().message();
  AttestationDocument bad = MockFields();
  bad.pcrs[40] = Filled(48, 0);
  EXPECT_FALSE(ReadPayload(EncodePayload(bad)).ok());
  bad = MockFields();
  bad.pcrs[1] = Filled(47, 0);
  EXPECT_FALSE(ReadPayload(EncodePayload(bad)).ok());
  bad = MockFields();
  bad.digest = "SHA256";
  EXPECT_FALSE(ReadPayload(EncodePayload(bad)).ok());
  bad = MockFields();
  bad.timestamp_ms = 0;
  EXPECT_FALSE(ReadPayload(EncodePayload(bad)).ok());
  bad = MockFields();
  bad.user_data = Filled(513, 0);
  EXPECT_FALSE(ReadPayload(EncodePayload(bad)).ok());
  EXPECT_FALSE(ReadCoseSign1(Filled(kMaxDocumentBytes + 1, 0)).ok());
}

TEST(DocumentReaderTest, RefusesCountsBeyondTheBytesBeforeAllocating) {
  // A map claiming 2^60 entries and an array claiming 2^32 elements: libcbor 0.8 would
  // allocate storage for them before reading a single element.
  for (const char* hex : {"bb1000000000000000a0", "9b0000000100000000a0", "5a00010000ff"}) {
    Result<AttestationDocument> read = ReadPayload(HexDecode(hex).value());
    ASSERT_FALSE(read.ok()) << hex;
    EXPECT_NE(read.error().message().find("malformed"), std::string::npos)
        << read.error().message();
  }
  Bytes deep(40, 0x81);  // [[[[...]]]] forty levels deep
  deep.push_back(0);
  EXPECT_FALSE(ReadPayload(deep).ok());
}

TEST(DocumentVerifierTest, RefusesAChainFromAnotherRootEntry) {
  AttestationDocument doc = MockFields();
  doc.cabundle[0] = AwsRootDer();
  EXPECT_EQ(FailedCheck(VerifyDocument(SignedMockWithPayload(EncodePayload(doc)), MockNow())),
            "root");
  doc = MockFields();
  doc.cabundle = {MockRootDer()};  // no intermediate: the leaf cannot chain
  EXPECT_EQ(FailedCheck(VerifyDocument(SignedMockWithPayload(EncodePayload(doc)), MockNow())),
            "chain");
}

TEST(DocumentVerifierTest, AMockDocumentDatedBeforeItsChainFailsTheChainCheck) {
  AttestationDocument doc = MockFields();
  doc.timestamp_ms = 1'000'000'000'000;  // 2001: before the mock PKI's certificates
  VerifyOptions options = MockNow();
  options.time_seconds = 1'000'000'000;
  EXPECT_EQ(FailedCheck(VerifyDocument(SignedMockWithPayload(EncodePayload(doc)), options)),
            "chain");
}

}  // namespace
}  // namespace vigil::attestation

namespace vigil::attestation {
namespace {

TEST(PcrsFileTest, ReadsQuorumOsLines) {
  const std::string a(96, 'a'), b(96, 'b');
  Result<std::map<int, Bytes>> pcrs = ParsePcrsFile(a + " PCR0\n" + b + " PCR2\n\n");
  ASSERT_TRUE(pcrs.ok()) << pcrs.error().message();
  EXPECT_EQ(pcrs->size(), 2u);
  EXPECT_EQ(pcrs->at(2), Bytes(48, 0xbb));
  EXPECT_FALSE(ParsePcrsFile(a + " PCR0\n" + b + " PCR0\n").ok());
  EXPECT_FALSE(ParsePcrsFile(a + " PCR32\n").ok());
  EXPECT_FALSE(ParsePcrsFile(a + " PCR01\n").ok());
  EXPECT_FALSE(ParsePcrsFile(a.substr(2) + " PCR1\n").ok());
  EXPECT_FALSE(ParsePcrsFile(a + "\tPCR1\n").ok());
}

}  // namespace
}  // namespace vigil::attestation

namespace vigil::attestation {
namespace {

// Answers as the NSM does on the wire, from a MockNsm's state: what NsmDevice must speak.
NsmTransport EmulatedNsm(MockNsm& nsm) {
  return [&nsm](ByteView request) -> Result<Bytes> {
    VIGIL_ASSIGN_OR_RETURN(CborValue req, ReadCbor(request));
    CborWriter out;
    auto error = [&out](const char* code) {
      out.MapHeader(1);
      out.Text("Error");
      out.Text(code);
      return out.Take();
    };
    if (req.kind == CborValue::Kind::kText && req.text() == "DescribeNSM") {
      NsmDescription d = nsm.Describe().value();
      out.MapHeader(1);
      out.Text("DescribeNSM");
      out.MapHeader(7);
      for (auto [key, value] :
           {std::pair<const char*, std::uint64_t>{"version_major", d.version_major},
            {"version_minor", d.version_minor},
            {"version_patch", d.version_patch},
            {"max_pcrs", d.max_pcrs}}) {
        out.Text(key);
        out.Unsigned(value);
      }
      out.Text("module_id");
      out.Text(d.module_id);
      out.Text("locked_pcrs");
      out.ArrayHeader(d.locked_pcrs.size());
      for (std::uint16_t pcr : d.locked_pcrs) out.Unsigned(pcr);
      out.Text("digest");
      out.Text(d.digest);
      return out.Take();
    }
    const std::string variant = req.keys.at(0).text();
    const CborValue& p = req.values.at(0);
    const int index = p.Find("index") ? static_cast<int>(p.Find("index")->number) : 0;
    if (variant == "DescribePCR") {
      Result<PcrState> state = nsm.DescribePcr(index);
      if (!state.ok()) return error("InvalidIndex");
      out.MapHeader(1);
      out.Text("DescribePCR");
      out.MapHeader(2);
      out.Text("lock");
      out.Bool(state->locked);
      out.Text("data");
      out.ByteString(state->value);
      return out.Take();
    }
    if (variant == "ExtendPCR") {
      Result<crypto::Sha384Digest> value = nsm.ExtendPcr(index, p.Find("data")->bytes);
      if (!value.ok()) return error("ReadOnlyIndex");
      out.MapHeader(1);
      out.Text("ExtendPCR");
      out.MapHeader(1);
      out.Text("data");
      out.ByteString(*value);
      return out.Take();
    }
    if (variant == "LockPCRs") {
      if (!nsm.LockPcrs(static_cast<int>(p.Find("range")->number)).ok()) {
        return error("InvalidArgument");
      }
      out.Text("LockPCRs");
      return out.Take();
    }
    if (variant == "Attestation") {
      auto field = [&p](const char* key) -> std::optional<Bytes> {
        const CborValue* v = p.Find(key);
        if (v == nullptr || v->kind == CborValue::Kind::kNull) return std::nullopt;
        return v->bytes;
      };
      Bytes doc = nsm.Attest({.user_data = field("user_data"),
                              .nonce = field("nonce"),
                              .public_key = field("public_key")})
                      .value();
      out.MapHeader(1);
      out.Text("Attestation");
      out.MapHeader(1);
      out.Text("document");
      out.ByteString(doc);
      return out.Take();
    }
    return error("InvalidOperation");
  };
}

TEST(NsmDeviceTest, RequestsAreEncodedAsTheNsmApiDoes) {
  EXPECT_EQ(HexEncode(NsmDescribeRequest()), "6b44657363726962654e534d");  // "DescribeNSM"
  // {"LockPCRs": {"range": 32}}
  EXPECT_EQ(HexEncode(NsmLockPcrsRequest(32)), "a1684c6f636b50435273a16572616e67651820");
  // {"Attestation": {"user_data": h'01', "nonce": null, "public_key": null}}
  EXPECT_EQ(HexEncode(NsmAttestationRequest({.user_data = Bytes{1}})),
            "a16b4174746573746174696f6ea369757365725f6461746141016"
            "56e6f6e6365f66a7075626c69635f6b6579f6");
}

TEST(NsmDeviceTest, SpeaksTheNsmProtocol) {
  auto mock = MockNsm::Create({{0, Bytes(48, 0xa0)}}).value();
  NsmDevice nsm(EmulatedNsm(*mock));
  Result<NsmDescription> d = nsm.Describe();
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->max_pcrs, 32);
  EXPECT_EQ(d->locked_pcrs, std::set<std::uint16_t>{0});
  Result<crypto::Sha384Digest> pcr16 = nsm.ExtendPcr(16, AsBytes("x"));
  ASSERT_TRUE(pcr16.ok()) << pcr16.error().message();
  EXPECT_EQ(nsm.DescribePcr(16)->value, *pcr16);
  Result<crypto::Sha384Digest> refused = nsm.ExtendPcr(0, AsBytes("x"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("ReadOnlyIndex"), std::string::npos);
  ASSERT_TRUE(nsm.LockPcrs(32).ok());
  EXPECT_TRUE(nsm.DescribePcr(16)->locked);
  Result<Bytes> doc = nsm.Attest({.user_data = Bytes(32, 1)});
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  VerifyOptions options = MockNow();
  options.expect.user_data = Bytes(32, 1);
  EXPECT_TRUE(VerifyDocument(*doc, options).ok());
}

TEST(NsmDeviceTest, RefusesAnswersOutsideTheApi) {
  for (const char* hex : {"f6", "a1654f7468657201", "6b44657363726962654e534d00", "7f61ff"}) {
    NsmDevice nsm([hex](ByteView) -> Result<Bytes> { return HexDecode(hex).value(); });
    EXPECT_FALSE(nsm.Describe().ok()) << hex;
  }
  EXPECT_FALSE(ReadCbor(HexDecode("a2616101616102").value()).ok()) << "a key twice";
  EXPECT_FALSE(ReadCbor(HexDecode("9b00000001000000000a").value()).ok()) << "a count too large";
  EXPECT_EQ(OpenNsmDevice("/nonexistent/nsm").error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil::attestation
