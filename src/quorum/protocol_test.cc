#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "base/hex.h"
#include "quorum/manifest_json.h"
#include "quorum/protocol_msg.h"

namespace vigil::quorum {
namespace {

ManifestEnvelope GoldenEnvelope() {
  std::ifstream in("tests/data/qos/golden/manifest_envelope.json", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  while (!text.empty() && text.back() == '\n') text.pop_back();
  Result<ManifestEnvelope> envelope = ParseEnvelopeJson(text);
  EXPECT_TRUE(envelope.ok()) << envelope.error().message();
  return *envelope;
}

ManifestEnvelope V2Envelope() {
  ManifestEnvelope envelope = GoldenEnvelope();
  envelope.manifest.version = ManifestVersion::kV2;
  envelope.manifest.patch_set = {};
  envelope.manifest.pivot.env = {{"MODE", "test"}};
  return envelope;
}

std::string Json(const ProtocolMsg& msg) {
  Result<Bytes> bytes = EncodeWire(msg, WireEncoding::kJson);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message();
  return bytes.ok() ? std::string(AsText(*bytes)) : "";
}

std::string BorshHex(const ProtocolMsg& msg) {
  Result<Bytes> bytes = EncodeWire(msg, WireEncoding::kBorsh);
  EXPECT_TRUE(bytes.ok()) << bytes.error().message();
  return bytes.ok() ? HexEncode(*bytes) : "";
}

NsmResponse Attestation(Bytes document) {
  NsmResponse nsm;
  nsm.kind = NsmResponse::Kind::kAttestation;
  nsm.data = std::move(document);
  return nsm;
}

// QuorumOS's own genesis output (tests/data/qos/genesis).
GenesisOutput QosGenesisOutput() {
  std::ifstream in("tests/data/qos/genesis/genesis_output", std::ios::binary);
  const Bytes bytes((std::istreambuf_iterator<char>(in)), {});
  Result<GenesisOutput> output = DecodeGenesisOutputBorsh(bytes);
  EXPECT_TRUE(output.ok()) << output.error().message();
  return output.ok() ? *output : GenesisOutput{};
}

// One message of every kind, with each field its kind carries.
std::vector<ProtocolMsg> EveryMessage(const ManifestEnvelope& envelope) {
  std::vector<ProtocolMsg> out;
  for (int i = 0; i < kMessageKinds; ++i) {
    ProtocolMsg msg = Request(*MessageFromIndex(i));
    msg.envelope = envelope;
    msg.pivot = {1, 2, 3};
    msg.nsm = Attestation({9, 9});
    msg.share = Bytes(130, 5);
    msg.approval = envelope.manifest_set_approvals.at(0);
    msg.reconstructed = true;
    msg.data = {7};
    msg.encrypted_quorum_key = Bytes(129, 1);
    msg.signature = Bytes(64, 2);
    msg.version = "0.1.0";
    msg.commit = "abc";
    msg.phase = ProtocolPhase::kWaitingForQuorumShards;
    msg.error = MakeProtocolError(ProtocolErrorKind::kDifferentPcr3, "aa", "bb");
    msg.genesis_set = {.members = {envelope.manifest.manifest_set.members}, .threshold = 1};
    msg.genesis_output = QosGenesisOutput();
    msg.nonce = Bytes(32, 0x6e);
    msg.reshard_envelope = ReshardEnvelope{
        .reshard = {.manifest = envelope.manifest, .new_share_set = envelope.manifest.share_set},
        .manifest_set_approvals = envelope.manifest_set_approvals};
    msg.reshard_output = {0x52, 0x53};
    msg.id_object = Bytes(66, 0x1d);
    msg.encrypted_secret = Bytes(256, 0xe5);
    msg.secret = Bytes(32, 0x5e);
    out.push_back(std::move(msg));
  }
  return out;
}

// `msg` with only the fields its kind carries, as a decoder returns it.
ProtocolMsg Normalised(const ProtocolMsg& full, WireEncoding encoding) {
  Result<Bytes> bytes = EncodeWire(full, encoding);
  EXPECT_TRUE(bytes.ok());
  Result<DecodedMsg> decoded = DecodeWire(*bytes);
  EXPECT_TRUE(decoded.ok()) << decoded.error().message();
  return decoded.ok() ? decoded->msg : ProtocolMsg{};
}

TEST(ProtocolMsgTest, KnownEncodings) {
  EXPECT_EQ(Json(Request(MessageKind::kStatusRequest)), "\"statusRequest\"");
  EXPECT_EQ(BorshHex(Request(MessageKind::kStatusRequest)), "01");
  ProtocolMsg status = Request(MessageKind::kStatusResponse);
  status.phase = ProtocolPhase::kWaitingForBootInstruction;
  EXPECT_EQ(Json(status), R"({"statusResponse":"WaitingForBootInstruction"})");
  EXPECT_EQ(BorshHex(status), "0201");
  ProtocolMsg error = ErrorResponse(MakeProtocolError(ProtocolErrorKind::kNotEnoughApprovals));
  EXPECT_EQ(Json(error), R"({"protocolErrorResponse":"NotEnoughApprovals"})");
  EXPECT_EQ(BorshHex(error), "0005");
  ProtocolMsg route = ErrorResponse(NoMatchingRoute(ProtocolPhase::kWaitingForQuorumShards));
  EXPECT_EQ(Json(route),
            R"({"protocolErrorResponse":{"NoMatchingRoute":"WaitingForQuorumShards"}})");
  EXPECT_EQ(BorshHex(route), "000603");
  ProtocolError nonce = MakeProtocolError(ProtocolErrorKind::kLowNonce);
  nonce.expected_nonce = 2;
  nonce.actual_nonce = 1;
  EXPECT_EQ(Json(ErrorResponse(nonce)),
            R"({"protocolErrorResponse":{"LowNonce":{"actual":"1","expected":"2"}}})");
  EXPECT_EQ(BorshHex(ErrorResponse(nonce)), "002c0200000001000000");
  ProtocolMsg provisioned = Request(MessageKind::kProvisionResponse);
  provisioned.reconstructed = true;
  EXPECT_EQ(Json(provisioned), R"({"provisionResponse":{"reconstructed":true}})");
  EXPECT_EQ(BorshHex(provisioned), "0801");
  ProtocolMsg version = Request(MessageKind::kVersionResponse);
  version.version = "0.5.0";
  version.commit = "abc1234";
  EXPECT_EQ(Json(version), R"({"versionResponse":{"commit":"abc1234","version":"0.5.0"}})");
  EXPECT_EQ(BorshHex(version), "1605000000302e352e300700000061626331323334");
  ProtocolMsg boot = Request(MessageKind::kBootStandardResponse);
  boot.nsm = Attestation({0xab});
  EXPECT_EQ(Json(boot),
            R"({"bootStandardResponse":{"nsm_response":{"attestation":{"document":"ab"}}}})");
  EXPECT_EQ(BorshHex(boot),
            "04050100000"
            "0ab");
}

TEST(ProtocolMsgTest, EveryVariantRoundTripsInEachEncodingItHas) {
  for (const ProtocolMsg& full : EveryMessage(GoldenEnvelope())) {
    const std::string name(MessageName(full.kind));
    const bool genesis = full.kind == MessageKind::kBootGenesisRequest ||
                         full.kind == MessageKind::kBootGenesisResponse;
    const bool json_only = genesis || IsReshardMessage(full.kind);
    const bool borsh_only = full.kind == MessageKind::kBootStandardJsonEnvelopeRequest;
    for (WireEncoding encoding : {WireEncoding::kJson, WireEncoding::kBorsh}) {
      const bool allowed = encoding == WireEncoding::kJson ? !borsh_only : !json_only;
      Result<Bytes> bytes = EncodeWire(full, encoding);
      ASSERT_EQ(bytes.ok(), allowed) << name;
      if (!allowed) continue;
      Result<DecodedMsg> decoded = DecodeWire(*bytes);
      ASSERT_TRUE(decoded.ok()) << name << ": " << decoded.error().message();
      EXPECT_EQ(decoded->encoding, encoding) << name;
      EXPECT_EQ(decoded->msg.kind, full.kind) << name;
      Result<Bytes> again = EncodeWire(decoded->msg, encoding);
      ASSERT_TRUE(again.ok()) << name;
      EXPECT_EQ(*again, *bytes) << name << " does not encode again to the same bytes";
    }
  }
}

TEST(ProtocolMsgTest, TheNonceRequestIsVigilsVariant24InBothEncodings) {
  ProtocolMsg request = Request(MessageKind::kLiveAttestationDocWithNonceRequest);
  request.nonce = {0xab, 0xcd};
  EXPECT_EQ(Json(request), R"({"liveAttestationDocWithNonceRequest":{"nonce":"abcd"}})");
  EXPECT_EQ(BorshHex(request), "1802000000abcd");
  EXPECT_EQ(Normalised(request, WireEncoding::kBorsh), request);
  request.nonce.clear();
  EXPECT_FALSE(EncodeWire(request, WireEncoding::kJson).ok());
  request.nonce = Bytes(kMaxNonceBytes + 1, 1);
  EXPECT_FALSE(EncodeWire(request, WireEncoding::kBorsh).ok());
  EXPECT_FALSE(DecodeJsonMsg(R"({"liveAttestationDocWithNonceRequest":{"nonce":""}})").ok());
  EXPECT_FALSE(DecodeBorshMsg(HexDecode("1800000000").value()).ok());
}

TEST(ProtocolMsgTest, TheCredentialActivationIsVigilsVariants29And30InBothEncodings) {
  ProtocolMsg request = Request(MessageKind::kTpmActivateCredentialRequest);
  request.id_object = {0x01, 0x02};
  request.encrypted_secret = {0x03};
  EXPECT_EQ(Json(request),
            R"({"tpmActivateCredentialRequest":{"encrypted_secret":"03","id_object":"0102"}})");
  EXPECT_EQ(BorshHex(request),
            "1d020000000102"
            "0100000003");
  EXPECT_EQ(Normalised(request, WireEncoding::kBorsh), request);
  EXPECT_EQ(Normalised(request, WireEncoding::kJson), request);
  ProtocolMsg answer = Request(MessageKind::kTpmActivateCredentialResponse);
  answer.secret = {0x5e};
  EXPECT_EQ(Json(answer), R"({"tpmActivateCredentialResponse":{"secret":"5e"}})");
  EXPECT_EQ(BorshHex(answer), "1e010000005e");
  // Bounds: neither part empty or over 1024 bytes, a secret of 1 to 32 bytes.
  request.encrypted_secret.clear();
  EXPECT_FALSE(EncodeWire(request, WireEncoding::kJson).ok());
  request.encrypted_secret = Bytes(kMaxCredentialBytes + 1, 1);
  EXPECT_FALSE(EncodeWire(request, WireEncoding::kBorsh).ok());
  answer.secret = Bytes(33, 1);
  EXPECT_FALSE(EncodeWire(answer, WireEncoding::kJson).ok());
  EXPECT_FALSE(DecodeJsonMsg(R"({"tpmActivateCredentialRequest":{"id_object":"01"}})").ok());
  EXPECT_FALSE(DecodeBorshMsg(HexDecode("1d01000000010000000000").value()).ok());
  EXPECT_FALSE(DecodeBorshMsg(HexDecode("1e00000000").value()).ok());
}

TEST(ProtocolMsgTest, ReshardVariantsAre25To28InJsonOnly) {
  ProtocolMsg fetch = Request(MessageKind::kReshardOutputRequest);
  EXPECT_EQ(Json(fetch), R"("reshardOutputRequest")");
  EXPECT_FALSE(EncodeWire(fetch, WireEncoding::kBorsh).ok());
  EXPECT_FALSE(DecodeBorshMsg(HexDecode("1b").value()).ok());
  ProtocolMsg output = Request(MessageKind::kReshardOutputResponse);
  output.nsm = Attestation({0xab});
  output.reshard_output = {0xcd};
  EXPECT_EQ(Json(output), R"({"reshardOutputResponse":{"nsm_response":{"attestation":)"
                          R"({"document":"ab"}},"reshard_output":"cd"}})");
  EXPECT_EQ(Normalised(output, WireEncoding::kJson), output);
  output.reshard_output.clear();
  EXPECT_FALSE(EncodeWire(output, WireEncoding::kJson).ok()) << "an output is never empty";
  ProtocolMsg boot = Request(MessageKind::kBootReshardRequest);
  EXPECT_FALSE(EncodeWire(boot, WireEncoding::kJson).ok()) << "no envelope";
  EXPECT_FALSE(DecodeJsonMsg(R"({"bootReshardRequest":{"reshard_envelope":{}}})").ok());
}

TEST(ProtocolMsgTest, TheEnvelopeSurvivesEveryCarrier) {
  for (const ProtocolMsg& full : EveryMessage(GoldenEnvelope())) {
    if (full.kind != MessageKind::kBootStandardRequest &&
        full.kind != MessageKind::kBootStandardJsonEnvelopeRequest &&
        full.kind != MessageKind::kExportKeyRequest &&
        full.kind != MessageKind::kManifestEnvelopeResponse) {
      continue;
    }
    const WireEncoding encoding = full.kind == MessageKind::kBootStandardJsonEnvelopeRequest
                                      ? WireEncoding::kBorsh
                                      : WireEncoding::kJson;
    ProtocolMsg decoded = Normalised(full, encoding);
    ASSERT_TRUE(decoded.envelope.has_value()) << MessageName(full.kind);
    EXPECT_EQ(*decoded.envelope, GoldenEnvelope()) << MessageName(full.kind);
    if (encoding == WireEncoding::kJson) {
      EXPECT_EQ(*Normalised(full, WireEncoding::kBorsh).envelope, GoldenEnvelope());
    }
  }
}

TEST(ProtocolMsgTest, V2EnvelopesAreJsonOnlyExceptInsideTheJsonEnvelopeRequest) {
  ProtocolMsg boot = Request(MessageKind::kBootStandardRequest);
  boot.envelope = V2Envelope();
  boot.pivot = {1, 2, 3, 4};
  EXPECT_FALSE(EncodeWire(boot, WireEncoding::kBorsh).ok());
  ProtocolMsg decoded = Normalised(boot, WireEncoding::kJson);
  EXPECT_EQ(decoded, boot);
  boot.kind = MessageKind::kBootStandardJsonEnvelopeRequest;
  EXPECT_FALSE(EncodeWire(boot, WireEncoding::kJson).ok());
  decoded = Normalised(boot, WireEncoding::kBorsh);
  EXPECT_EQ(decoded, boot);
}

TEST(ProtocolMsgTest, DecodeFailuresNameQuorumOsErrors) {
  DecodeFailure failure{};
  EXPECT_FALSE(DecodeWire(AsBytes("{\"statusRequest\":{}}"), &failure).ok());
  EXPECT_EQ(failure.error_kind, ProtocolErrorKind::kProtocolMsgDeserialization);
  EXPECT_NE(failure.reason.find("takes no fields"), std::string::npos) << failure.reason;
  EXPECT_FALSE(DecodeWire(AsBytes("\"noSuchRequest\""), &failure).ok());
  EXPECT_FALSE(DecodeWire(Bytes{1, 0}, &failure).ok());  // a byte after StatusRequest
  EXPECT_FALSE(DecodeWire(Bytes{99}, &failure).ok());
  EXPECT_FALSE(DecodeWire(Bytes{}, &failure).ok());
  // BootGenesisRequest in Borsh: {members: [], threshold: 2}, no DR key.
  EXPECT_FALSE(DecodeWire(Bytes{5, 0, 0, 0, 0, 2, 0, 0, 0, 0}, &failure).ok());
  EXPECT_EQ(failure.error_kind, ProtocolErrorKind::kLegacyGenesisNotSupported);
  ProtocolMsg provision = Request(MessageKind::kProvisionRequest);
  provision.share = {1};
  provision.approval = GoldenEnvelope().manifest_set_approvals.at(0);
  std::string json = Json(provision);
  json.insert(json.size() - 2, ",\"extra\":\"1\"");
  EXPECT_FALSE(DecodeWire(AsBytes(json), &failure).ok());
  EXPECT_NE(failure.reason.find("unknown key \"extra\""), std::string::npos) << failure.reason;
}

TEST(ProtocolMsgTest, EveryErrorVariantRoundTrips) {
  for (int i = 0; i < kProtocolErrorKinds; ++i) {
    ProtocolError error = MakeProtocolError(static_cast<ProtocolErrorKind>(i));
    switch (ProtocolErrorShapeOf(error.kind)) {
      case ProtocolErrorShape::kText:
        error.text = "detail";
        break;
      case ProtocolErrorShape::kExpectedActual:
        error.text = "e";
        error.actual = "a";
        break;
      case ProtocolErrorShape::kNonces:
        error.expected_nonce = 7;
        error.actual_nonce = 3;
        break;
      case ProtocolErrorShape::kPhase:
        error.phase = ProtocolPhase::kGenesisBooted;
        break;
      case ProtocolErrorShape::kPhasePair:
        error.phase = ProtocolPhase::kGenesisBooted;
        error.phase_to = ProtocolPhase::kQuorumKeyProvisioned;
        break;
      case ProtocolErrorShape::kApproval:
        error.approval = GoldenEnvelope().manifest_set_approvals.at(0);
        break;
      case ProtocolErrorShape::kP256:
        error.p256_kind = i % 2 == 0 ? 0 : 11;
        error.text = error.p256_kind == 0 ? "bad hex" : "";
        break;
      default:
        break;
    }
    for (WireEncoding encoding : {WireEncoding::kJson, WireEncoding::kBorsh}) {
      ProtocolMsg msg = ErrorResponse(error);
      EXPECT_EQ(Normalised(msg, encoding), msg) << ProtocolErrorName(error.kind);
    }
  }
  EXPECT_EQ(ProtocolErrorName(ProtocolErrorKind::kLegacyGenesisNotSupported),
            "LegacyGenesisNotSupported");
  EXPECT_EQ(static_cast<int>(ProtocolErrorKind::kLegacyGenesisNotSupported), 60);
}

}  // namespace
}  // namespace vigil::quorum
