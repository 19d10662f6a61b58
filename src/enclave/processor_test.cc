#include "enclave/processor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "attestation/document_verifier.h"
#include "attestation/mock_nsm.h"
#include "attestation/tpm2_credential.h"
#include "attestation/tpm2_ek_certificate.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm_document.h"
#include "attestation/tpm_event_log_builder.h"
#include "attestation/tpm_provider.h"
#include "base/file.h"
#include "base/hex.h"
#include "crypto/envelope.h"
#include "crypto/p256_key_files.h"
#include "crypto/shamir.h"
#include "image/swtpm.h"
#include "quorum/approvals.h"
#include "quorum/manifest_attestation.h"
#include "quorum/manifest_commitment.h"
#include "quorum/manifest_json.h"
#include "quorum/reshard.h"

namespace vigil::enclave {
namespace {

namespace fs = std::filesystem;
using quorum::MessageKind;
using quorum::ProtocolErrorKind;
using quorum::ProtocolMsg;
using quorum::ProtocolPhase;

const std::string kE2e = "tests/data/qos/boot-e2e/";
const Bytes kPivot = {'#', '!', 'p', 'i', 'v', 'o', 't'};

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The test data's secrets are world-readable, which ReadP256Pair refuses; read the seed.
crypto::qos::P256Pair User(int n) {
  const Bytes seed = HexDecode(ReadText(kE2e + "user" + std::to_string(n) + ".secret")).value();
  return crypto::qos::P256Pair::FromSeed(crypto::SecretBytes(seed)).value();
}

quorum::QuorumMember Member(int n) {
  return {"user" + std::to_string(n),
          HexDecode(ReadText(kE2e + "user" + std::to_string(n) + ".pub")).value()};
}

// The golden manifest, re-aimed at boot-e2e's 2-of-3 sets, quorum key and our pivot.
quorum::Manifest TestManifest() {
  quorum::Manifest manifest =
      quorum::ParseManifestJson(ReadText("tests/data/qos/golden/manifest.json")).value();
  manifest.name_space.name = "quit-coding-to-vape";
  manifest.name_space.quorum_key = HexDecode(ReadText(kE2e + "quorum_key.pub")).value();
  const crypto::Sha256Digest pivot_hash = crypto::Sha256(kPivot);
  manifest.pivot.hash = Bytes(pivot_hash.begin(), pivot_hash.end());
  manifest.pivot.args = {"--challenge", "c0ffee"};
  manifest.manifest_set = {.threshold = 2, .members = {Member(1), Member(2), Member(3)}};
  manifest.share_set = manifest.manifest_set;
  return manifest;
}

quorum::Approval Approve(int n, const crypto::Sha256Digest& hash) {
  return {.signature = User(n).Sign(hash).value(), .member = Member(n)};
}

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vigil-enclave-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto nsm = attestation::MockNsm::Create({{0, Bytes(48, 0xa0)}}).value();
    processor_ = std::make_unique<EnclaveProcessor>(
        EnclaveConfig{.state_dir = dir_, .version = "test", .commit = "c"}, std::move(nsm));
    manifest_ = TestManifest();
    hash_ = quorum::ManifestHash(manifest_).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  ProtocolMsg Boot(std::vector<int> approvers, Bytes pivot = kPivot) {
    ProtocolMsg request = quorum::Request(MessageKind::kBootStandardRequest);
    request.envelope = quorum::ManifestEnvelope{.manifest = manifest_};
    for (int n : approvers) request.envelope->manifest_set_approvals.push_back(Approve(n, hash_));
    request.pivot = std::move(pivot);
    return processor_->Handle(request);
  }

  // The share holder's side: its share decrypted with its own key, encrypted to `to`.
  ProtocolMsg Provision(int n, const Bytes& to) {
    std::ifstream in(kE2e + "user" + std::to_string(n) + ".share", std::ios::binary);
    const Bytes sealed((std::istreambuf_iterator<char>(in)), {});
    crypto::SecretBytes share = crypto::qos::Decrypt(User(n), sealed).value();
    ProtocolMsg request = quorum::Request(MessageKind::kProvisionRequest);
    request.share =
        crypto::qos::Encrypt(crypto::qos::P256Public::FromBytes(to).value(), share.view()).value();
    request.approval = Approve(n, hash_);
    return processor_->Handle(request);
  }

  attestation::AttestationDocument Verify(const ProtocolMsg& answer) {
    EXPECT_TRUE(answer.nsm.has_value());
    attestation::VerifyOptions options{.root_der = attestation::MockRootDer(),
                                       .time_seconds = std::time(nullptr),
                                       .trust_mock_root = true};
    options.expect.user_data = Bytes(hash_.begin(), hash_.end());
    options.expect.no_nonce = true;
    Result<attestation::AttestationDocument> doc =
        attestation::VerifyDocument(answer.nsm->data, options);
    EXPECT_TRUE(doc.ok()) << doc.error().message();
    return *doc;
  }

  fs::path dir_;
  std::unique_ptr<EnclaveProcessor> processor_;
  quorum::Manifest manifest_;
  crypto::Sha256Digest hash_{};
};

ProtocolErrorKind ErrorOf(const ProtocolMsg& answer) {
  EXPECT_EQ(answer.kind, MessageKind::kProtocolErrorResponse);
  return answer.error.kind;
}

TEST_F(ProcessorTest, BootsProvisionsAndHandsOverThePivot) {
  EXPECT_EQ(ErrorOf(Provision(1, User(3).public_key())), ProtocolErrorKind::kNoMatchingRoute);
  ProtocolMsg booted = Boot({1, 2});
  ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse)
      << quorum::DescribeProtocolError(booted.error);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kWaitingForQuorumShards);
  attestation::AttestationDocument doc = Verify(booted);
  const Bytes setup_key = *doc.public_key;
  // PCR16 commits to the manifest and the setup key; every PCR is locked.
  const Bytes commitment =
      quorum::ManifestCommitment(quorum::ManifestPhase::kSetup, hash_, setup_key).value();
  EXPECT_EQ(doc.pcrs.at(16), quorum::ManifestPcr(commitment));
  // PCR18: the manifest alone, the same on every boot of this manifest.
  EXPECT_EQ(doc.pcrs.at(18),
            quorum::ManifestPcr(
                quorum::ManifestOnlyCommitment(Bytes(hash_.begin(), hash_.end())).value()));
  EXPECT_EQ(doc.pcrs.at(0), Bytes(48, 0xa0));

  ProtocolMsg first = Provision(1, setup_key);
  ASSERT_EQ(first.kind, MessageKind::kProvisionResponse);
  EXPECT_FALSE(first.reconstructed);
  EXPECT_EQ(ErrorOf(Provision(1, setup_key)), ProtocolErrorKind::kDuplicateApproval);
  EXPECT_EQ(ErrorOf(Provision(3, User(3).public_key())), ProtocolErrorKind::kDecryptionFailed);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kWaitingForQuorumShards) << "still waiting";
  EXPECT_FALSE(fs::exists(dir_ / "qos.quorum.key"));

  ProtocolMsg second = Provision(2, setup_key);
  ASSERT_EQ(second.kind, MessageKind::kProvisionResponse)
      << quorum::DescribeProtocolError(second.error);
  EXPECT_TRUE(second.reconstructed);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kQuorumKeyProvisioned);
  crypto::qos::P256Pair quorum_key = crypto::ReadP256Pair(dir_ / "qos.quorum.key").value();
  EXPECT_EQ(quorum_key.public_key(), manifest_.name_space.quorum_key);
  EXPECT_EQ(fs::status(dir_ / "qos.quorum.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  std::optional<PivotLaunch> pivot = processor_->TakePivot();
  ASSERT_TRUE(pivot.has_value());
  EXPECT_EQ(pivot->args, manifest_.pivot.args);
  EXPECT_FALSE(processor_->TakePivot().has_value()) << "started once";

  // The live attestation now carries the live key, committed in PCR17.
  ProtocolMsg live = processor_->Handle(quorum::Request(MessageKind::kLiveAttestationDocRequest));
  attestation::AttestationDocument live_doc = Verify(live);
  EXPECT_NE(*live_doc.public_key, setup_key);
  EXPECT_EQ(live_doc.pcrs.at(17),
            quorum::ManifestPcr(quorum::ManifestCommitment(quorum::ManifestPhase::kLive, hash_,
                                                           *live_doc.public_key)
                                    .value()));
  EXPECT_EQ(ErrorOf(Provision(3, setup_key)), ProtocolErrorKind::kNoMatchingRoute);
}

TEST_F(ProcessorTest, TooFewApprovalsBrickTheBootAsQuorumOsDoes) {
  EXPECT_EQ(ErrorOf(Boot({1})), ProtocolErrorKind::kNotEnoughApprovals);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kUnrecoverableError);
  EXPECT_EQ(ErrorOf(Boot({1, 2})), ProtocolErrorKind::kNoMatchingRoute);
}

TEST_F(ProcessorTest, APivotThatIsNotTheManifestsIsRefused) {
  ProtocolMsg answer = Boot({1, 2}, Bytes{'x'});
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kInvalidPivotHash);
  EXPECT_EQ(answer.error.text, HexEncode(manifest_.pivot.hash));
  EXPECT_EQ(answer.error.actual, HexEncode(crypto::Sha256(Bytes{'x'})));
  EXPECT_FALSE(fs::exists(dir_ / "qos.pivot.bin"));
}

TEST_F(ProcessorTest, AShareFromOutsideTheShareSetIsRefused) {
  manifest_.share_set.members.pop_back();  // user3 holds a share but is not in the set
  hash_ = quorum::ManifestHash(manifest_).value();
  ProtocolMsg booted = Boot({1, 2});
  ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse);
  EXPECT_EQ(ErrorOf(Provision(3, *Verify(booted).public_key)),
            ProtocolErrorKind::kNotShareSetMember);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kWaitingForQuorumShards);
}

TEST_F(ProcessorTest, StatusVersionAndEnvelopeAnswerInEveryPhase) {
  ProtocolMsg status = processor_->Handle(quorum::Request(MessageKind::kStatusRequest));
  EXPECT_EQ(status.phase, ProtocolPhase::kWaitingForBootInstruction);
  EXPECT_EQ(processor_->Handle(quorum::Request(MessageKind::kVersionRequest)).version, "test");
  EXPECT_FALSE(processor_->Handle(quorum::Request(MessageKind::kManifestEnvelopeRequest)).envelope);
  ASSERT_EQ(Boot({2, 3}).kind, MessageKind::kBootStandardResponse);
  EXPECT_TRUE(processor_->Handle(quorum::Request(MessageKind::kManifestEnvelopeRequest)).envelope);
}

// Key forwarding: an old enclave provisioned with `manifest`, a new one booted with
// `next`, each on its own mock NSM with the same boot measurements.
class KeyForwardTest : public ProcessorTest {
 protected:
  void SetUp() override {
    ProcessorTest::SetUp();
    manifest_.enclave = {.pcr0 = Bytes(48, 0xa0),
                         .pcr1 = Bytes(48, 0),
                         .pcr2 = Bytes(48, 0),
                         .pcr3 = Bytes(48, 0),
                         .aws_root_certificate = attestation::MockRootDer(),
                         .qos_commit = ""};
    hash_ = quorum::ManifestHash(manifest_).value();
    ProtocolMsg booted = Boot({1, 2});
    ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse) << booted.error.text;
    const Bytes setup = *Verify(booted).public_key;
    ASSERT_EQ(Provision(1, setup).kind, MessageKind::kProvisionResponse);
    ASSERT_TRUE(Provision(2, setup).reconstructed);
    ASSERT_EQ(processor_->phase(), ProtocolPhase::kQuorumKeyProvisioned);
    next_dir_ = dir_.string() + "-next";
    fs::remove_all(next_dir_);
    fs::create_directories(next_dir_);
    next_ = std::make_unique<EnclaveProcessor>(
        EnclaveConfig{.state_dir = next_dir_, .version = "test", .commit = "c"},
        attestation::MockNsm::Create({{0, Bytes(48, 0xa0)}}).value());
    next_manifest_ = manifest_;
    next_manifest_.name_space.nonce += 1;
    next_manifest_.pivot.args = {"--challenge", "upgraded"};
  }
  void TearDown() override {
    fs::remove_all(next_dir_);
    ProcessorTest::TearDown();
  }
  quorum::ManifestEnvelope Approved(const quorum::Manifest& manifest) {
    const crypto::Sha256Digest hash = quorum::ManifestHash(manifest).value();
    return {.manifest = manifest, .manifest_set_approvals = {Approve(1, hash), Approve(2, hash)}};
  }
  // The new enclave boots for forwarding; its setup document.
  Bytes BootNext() {
    ProtocolMsg request = quorum::Request(MessageKind::kBootKeyForwardRequest);
    request.envelope = Approved(next_manifest_);
    request.pivot = kPivot;
    ProtocolMsg answer = next_->Handle(request);
    EXPECT_EQ(answer.kind, MessageKind::kBootKeyForwardResponse) << answer.error.text;
    EXPECT_EQ(next_->phase(), ProtocolPhase::kWaitingForForwardedKey);
    return answer.nsm ? answer.nsm->data : Bytes{};
  }
  ProtocolMsg Export(const quorum::Manifest& manifest, const Bytes& document) {
    ProtocolMsg request = quorum::Request(MessageKind::kExportKeyRequest);
    request.envelope = Approved(manifest);
    request.data = document;
    return processor_->Handle(request);
  }
  fs::path next_dir_;
  std::unique_ptr<EnclaveProcessor> next_;
  quorum::Manifest next_manifest_;
};

TEST_F(KeyForwardTest, TheOldEnclaveHandsTheKeyToTheNewOneWhichStartsItsPivot) {
  const Bytes document = BootNext();
  ProtocolMsg exported = Export(next_manifest_, document);
  ASSERT_EQ(exported.kind, MessageKind::kExportKeyResponse) << exported.error.text;
  EXPECT_EQ(exported.encrypted_quorum_key.size(), 129u);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kQuorumKeyProvisioned);
  ProtocolMsg inject = quorum::Request(MessageKind::kInjectKeyRequest);
  inject.encrypted_quorum_key = exported.encrypted_quorum_key;
  inject.signature = exported.signature;
  ProtocolMsg injected = next_->Handle(inject);
  ASSERT_EQ(injected.kind, MessageKind::kInjectKeyResponse) << injected.error.text;
  EXPECT_EQ(next_->phase(), ProtocolPhase::kQuorumKeyProvisioned);
  EXPECT_TRUE(fs::exists(next_dir_ / "qos.quorum.key"));
  std::optional<PivotLaunch> pivot = next_->TakePivot();
  ASSERT_TRUE(pivot.has_value());
  EXPECT_EQ(pivot->args, next_manifest_.pivot.args);
}

TEST_F(KeyForwardTest, TheOldEnclaveRefusesWhatWouldMoveTheKeyElsewhere) {
  const Bytes document = BootNext();
  quorum::Manifest lower = next_manifest_;
  lower.name_space.nonce = manifest_.name_space.nonce - 1;
  ProtocolMsg answer = Export(lower, document);
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kLowNonce);
  EXPECT_EQ(answer.error.expected_nonce, manifest_.name_space.nonce);
  quorum::Manifest renamed = next_manifest_;
  renamed.name_space.name = "elsewhere";
  EXPECT_EQ(ErrorOf(Export(renamed, document)), ProtocolErrorKind::kDifferentNamespaceName);
  quorum::Manifest same_nonce = next_manifest_;
  same_nonce.name_space.nonce = manifest_.name_space.nonce;
  EXPECT_EQ(ErrorOf(Export(same_nonce, document)), ProtocolErrorKind::kDifferentManifest);
  quorum::Manifest other_role = next_manifest_;
  other_role.enclave.pcr3 = Bytes(48, 3);
  EXPECT_EQ(ErrorOf(Export(other_role, document)), ProtocolErrorKind::kDifferentPcr3);
  quorum::Manifest smaller_set = next_manifest_;
  smaller_set.manifest_set.members.pop_back();
  EXPECT_EQ(ErrorOf(Export(smaller_set, document)), ProtocolErrorKind::kDifferentManifestSet);
  // The new enclave's document commits to its own manifest, not to another approved one.
  quorum::Manifest other_args = next_manifest_;
  other_args.pivot.args = {"--challenge", "other"};
  answer = Export(other_args, document);
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kQosAttestError);
  EXPECT_NE(answer.error.text.find("user_data"), std::string::npos) << answer.error.text;
  Bytes tampered = document;
  tampered[tampered.size() - 10] ^= 1;
  EXPECT_EQ(ErrorOf(Export(next_manifest_, tampered)), ProtocolErrorKind::kQosAttestError);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kQuorumKeyProvisioned) << "errors keep the phase";
}

TEST_F(KeyForwardTest, TheNewEnclaveRefusesAForgedKeyAndEndsUnrecoverable) {
  const Bytes document = BootNext();
  ProtocolMsg exported = Export(next_manifest_, document);
  ASSERT_EQ(exported.kind, MessageKind::kExportKeyResponse) << exported.error.text;
  ProtocolMsg inject = quorum::Request(MessageKind::kInjectKeyRequest);
  inject.encrypted_quorum_key = exported.encrypted_quorum_key;
  inject.signature = exported.signature;
  inject.signature[5] ^= 1;
  EXPECT_EQ(ErrorOf(next_->Handle(inject)), ProtocolErrorKind::kInvalidEncryptedQuorumKeySignature);
  EXPECT_EQ(next_->phase(), ProtocolPhase::kUnrecoverableError);
  EXPECT_FALSE(fs::exists(next_dir_ / "qos.quorum.key"));
}

ProtocolMsg GenesisRequest(std::vector<int> members, std::uint32_t threshold,
                           std::optional<Bytes> dr_key = std::nullopt) {
  ProtocolMsg request = quorum::Request(MessageKind::kBootGenesisRequest);
  for (int n : members) request.genesis_set.members.push_back(Member(n));
  request.genesis_set.threshold = threshold;
  request.dr_key = std::move(dr_key);
  return request;
}

TEST_F(ProcessorTest, GenesisSplitsAFreshKeyAmongTheMembersAndAttestsToTheOutput) {
  crypto::qos::P256Pair dr = crypto::qos::P256Pair::Generate().value();
  ProtocolMsg answer = processor_->Handle(GenesisRequest({1, 2, 3}, 2, dr.public_key()));
  ASSERT_EQ(answer.kind, MessageKind::kBootGenesisResponse) << answer.error.text;
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kGenesisBooted);
  ASSERT_TRUE(answer.genesis_output && answer.nsm);
  const quorum::GenesisOutput& output = *answer.genesis_output;
  // The attestation commits to the output: user_data = SHA-256 of its Borsh form.
  const crypto::Sha256Digest output_hash = quorum::GenesisOutputHash(output).value();
  hash_ = output_hash;
  attestation::AttestationDocument doc = Verify(answer);
  EXPECT_FALSE(doc.public_key.has_value());
  // Any two members' shares rebuild the seed whose key the output names.
  std::vector<crypto::SecretBytes> shares;
  for (int n : {1, 3}) {
    const quorum::GenesisMemberOutput& member = output.member_outputs[n - 1];
    EXPECT_EQ(member.share_set_member, Member(n));
    shares.push_back(crypto::qos::Decrypt(User(n), member.encrypted_quorum_key_share).value());
    EXPECT_EQ(crypto::Sha512(shares.back().view()), member.share_hash);
  }
  crypto::SecretBytes seed =
      crypto::shamir::Reconstruct({shares[0].view(), shares[1].view()}).value();
  crypto::qos::P256Pair quorum_key = crypto::qos::P256Pair::FromSeed(seed).value();
  EXPECT_EQ(quorum_key.public_key(), output.quorum_key);
  EXPECT_EQ(crypto::Sha512(AsBytes(HexEncode(seed.view()))), output.quorum_key_hash);
  // The DR key unwraps the same seed; the test message decrypts and verifies.
  EXPECT_EQ(HexEncode(crypto::qos::Decrypt(dr, *output.dr_key_wrapped_quorum_key)->view()),
            HexEncode(seed.view()));
  EXPECT_EQ(AsText(crypto::qos::Decrypt(quorum_key, output.test_message_ciphertext)->view()),
            "qos-test-message");
  EXPECT_TRUE(
      quorum_key.public_part().Verify(output.test_message, output.test_message_signature).ok());
  // Nothing was written, and a second ceremony is refused.
  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_EQ(ErrorOf(processor_->Handle(GenesisRequest({1, 2, 3}, 2))),
            ProtocolErrorKind::kNoMatchingRoute);
}

TEST_F(ProcessorTest, GenesisRefusesABadSetAndEndsUnrecoverableAsQuorumOsDoes) {
  ProtocolMsg answer = processor_->Handle(GenesisRequest({1, 2, 2}, 2));
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kDuplicateQuorumMember);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kUnrecoverableError);
  SetUp();
  answer = processor_->Handle(GenesisRequest({1, 2, 3}, 4));
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kQosCrypto);
  EXPECT_NE(answer.error.text.find("threshold of 4 for 3"), std::string::npos) << answer.error.text;
  SetUp();
  answer = processor_->Handle(GenesisRequest({1, 2, 3}, 2, Bytes(130, 7)));
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kInvalidP256DRKey);
  EXPECT_EQ(quorum::P256ErrorName(answer.error.p256_kind), "FailedToDeserializePublicKey");
}

// ---- resharding ----

class ReshardTest : public ProcessorTest {
 protected:
  // The new set: user3 and two fresh holders, 2 of 3.
  void SetUp() override {
    ProcessorTest::SetUp();
    fresh_.clear();
    for (int i = 0; i < 2; ++i) fresh_.push_back(crypto::qos::P256Pair::Generate().value());
    reshard_.manifest = manifest_;
    reshard_.new_share_set = {
        .threshold = 2,
        .members = {
            Member(3), {"fresh0", fresh_[0].public_key()}, {"fresh1", fresh_[1].public_key()}}};
    manifest_hash_ = hash_;
    hash_ = quorum::ReshardHash(reshard_).value();  // what approvals and attestations cover
  }

  ProtocolMsg BootReshard(std::vector<int> approvers, const crypto::Sha256Digest& over) {
    ProtocolMsg request = quorum::Request(MessageKind::kBootReshardRequest);
    request.reshard_envelope = quorum::ReshardEnvelope{.reshard = reshard_};
    for (int n : approvers) {
      request.reshard_envelope->manifest_set_approvals.push_back(Approve(n, over));
    }
    return processor_->Handle(request);
  }

  std::vector<crypto::qos::P256Pair> fresh_;
  quorum::ReshardManifest reshard_;
  crypto::Sha256Digest manifest_hash_{};
};

TEST_F(ReshardTest, TheKeyGoesToTheNewSetAndTheOutputIsAttested) {
  ProtocolMsg booted = BootReshard({1, 2}, hash_);
  ASSERT_EQ(booted.kind, MessageKind::kBootReshardResponse)
      << quorum::DescribeProtocolError(booted.error);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kWaitingForReshardShares);
  attestation::AttestationDocument doc = Verify(booted);  // user_data: the reshard hash
  EXPECT_EQ(doc.pcrs.at(18),
            quorum::ManifestPcr(
                quorum::ManifestOnlyCommitment(Bytes(hash_.begin(), hash_.end())).value()));
  EXPECT_EQ(ErrorOf(processor_->Handle(quorum::Request(MessageKind::kReshardOutputRequest))),
            ProtocolErrorKind::kNoMatchingRoute);
  ASSERT_EQ(Provision(1, *doc.public_key).kind, MessageKind::kProvisionResponse);
  ProtocolMsg last = Provision(2, *doc.public_key);
  ASSERT_TRUE(last.reconstructed) << quorum::DescribeProtocolError(last.error);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kReshardBooted);

  ProtocolMsg answer = processor_->Handle(quorum::Request(MessageKind::kReshardOutputRequest));
  ASSERT_EQ(answer.kind, MessageKind::kReshardOutputResponse);
  const quorum::ReshardOutput output =
      quorum::DecodeReshardOutputBorsh(answer.reshard_output).value();
  EXPECT_TRUE(quorum::CheckReshardOutput(output, reshard_).ok());
  hash_ = crypto::Sha256(answer.reshard_output);
  EXPECT_FALSE(Verify(answer).public_key.has_value());
  // Two of the new holders rebuild the namespace's key; nothing was written.
  crypto::SecretBytes a =
      crypto::qos::Decrypt(User(3), output.member_outputs[0].encrypted_quorum_key_share).value();
  crypto::SecretBytes b =
      crypto::qos::Decrypt(fresh_[1], output.member_outputs[2].encrypted_quorum_key_share).value();
  EXPECT_EQ(crypto::Sha512(b.view()), output.member_outputs[2].share_hash);
  crypto::SecretBytes seed = crypto::shamir::Reconstruct({a.view(), b.view()}).value();
  EXPECT_EQ(crypto::qos::P256Pair::FromSeed(seed)->public_key(), manifest_.name_space.quorum_key);
  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_FALSE(processor_->TakePivot().has_value()) << "a reshard starts no pivot";
}

TEST_F(ReshardTest, ApprovalsOfAnotherHashOrABadNewSetAreRefused) {
  // The manifest set approved the plain manifest, not this reshard.
  ProtocolMsg refused = BootReshard({1, 2}, manifest_hash_);
  EXPECT_EQ(ErrorOf(refused), ProtocolErrorKind::kQosAttestError);
  EXPECT_NE(refused.error.text.find("InvalidManifestApproval"), std::string::npos)
      << refused.error.text;
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kUnrecoverableError);
  SetUp();
  EXPECT_EQ(ErrorOf(BootReshard({1}, hash_)), ProtocolErrorKind::kNotEnoughApprovals);
  SetUp();
  reshard_.new_share_set.threshold = 1;
  hash_ = quorum::ReshardHash(reshard_).value();
  ProtocolMsg answer = BootReshard({1, 2}, hash_);
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kQosCrypto);
  EXPECT_NE(answer.error.text.find("threshold of 1 for 3"), std::string::npos) << answer.error.text;
}

TEST_F(ReshardTest, AShareApprovingThePlainManifestIsRefusedAndTheEnclaveKeepsWaiting) {
  ProtocolMsg booted = BootReshard({1, 2}, hash_);
  ASSERT_EQ(booted.kind, MessageKind::kBootReshardResponse);
  const Bytes setup_key = *Verify(booted).public_key;
  const crypto::Sha256Digest reshard_hash = hash_;
  hash_ = manifest_hash_;  // the holder's approval covers the manifest, not the reshard
  EXPECT_EQ(ErrorOf(Provision(1, setup_key)), ProtocolErrorKind::kCouldNotVerifyApproval);
  EXPECT_EQ(processor_->phase(), ProtocolPhase::kWaitingForReshardShares);
  hash_ = reshard_hash;
  EXPECT_FALSE(Provision(1, setup_key).reconstructed);
  EXPECT_TRUE(Provision(3, setup_key).reconstructed);
  // Only the output and the phase answer now.
  EXPECT_EQ(ErrorOf(Boot({1, 2})), ProtocolErrorKind::kNoMatchingRoute);
  EXPECT_EQ(ErrorOf(processor_->Handle(quorum::Request(MessageKind::kLiveAttestationDocRequest))),
            ProtocolErrorKind::kNoMatchingRoute);
}

// The processor on a TPM (docs/SPEC-tpm.md): a fresh swtpm per test, its "firmware" measuring
// nothing (PCRs 0-9 zero, an event log of its header alone).
class TpmProcessorTest : public ProcessorTest {
 protected:
  void SetUp() override {
    ProcessorTest::SetUp();
    auto swtpm = image::Swtpm::Start(
        {.work_dir = dir_ / "swtpm", .ca_dir = dir_ / "ca", .serve_commands = true});
    ASSERT_TRUE(swtpm.ok()) << swtpm.error().message();
    swtpm_ = std::move(*swtpm);
    ASSERT_TRUE(WriteFileAtomic(dir_ / "event-log", attestation::testing::EventLogHeader()).ok());
    processor_ = Processor();
    // The manifest of a TPM enclave: pcr0 PCR4, pcr1 PCR9, pcr2 the platform, pcr3 PCR8.
    const Bytes zero(32, 0);
    const crypto::Sha256Digest platform = crypto::Sha256(Bytes(7 * 32, 0));
    manifest_.enclave.pcr0 = zero;
    manifest_.enclave.pcr1 = zero;
    manifest_.enclave.pcr2 = Bytes(platform.begin(), platform.end());
    manifest_.enclave.pcr3 = zero;
    hash_ = quorum::ManifestHash(manifest_).value();
  }
  void TearDown() override {
    processor_.reset();
    swtpm_.reset();
    ProcessorTest::TearDown();
  }
  std::unique_ptr<EnclaveProcessor> Processor() {
    auto client = attestation::Tpm2Client::ConnectUnix(swtpm_->command_socket().string());
    EXPECT_TRUE(client.ok()) << client.error().message();
    auto tpm = attestation::TpmProvider::Open(std::move(*client), (dir_ / "event-log").string());
    EXPECT_TRUE(tpm.ok()) << tpm.error().message();
    return std::make_unique<EnclaveProcessor>(
        EnclaveConfig{.state_dir = dir_, .version = "test", .commit = "c"}, std::move(*tpm));
  }
  attestation::TpmTrust Trust() {
    return {.roots_pem = std::string(
                AsText(ReadFile(dir_ / "ca" / "swtpm-localca-rootca-cert.pem", 1 << 16).value())),
            .intermediates_pem =
                std::string(AsText(ReadFile(dir_ / "ca" / "issuercert.pem", 1 << 16).value()))};
  }
  // The share holder's activation, through the protocol: the key's name once it held.
  Result<Bytes> Activate(const Bytes& document, const Bytes& secret) {
    VIGIL_ASSIGN_OR_RETURN(attestation::TpmDocument doc, attestation::DecodeTpmDocument(document));
    const attestation::TpmTrust trust = Trust();
    VIGIL_ASSIGN_OR_RETURN(
        Bytes ek, attestation::VerifyEkCertificate(
                      doc.ek_certificate,
                      {.roots_pem = trust.roots_pem, .intermediates_pem = trust.intermediates_pem},
                      std::time(nullptr)));
    VIGIL_ASSIGN_OR_RETURN(attestation::Tpm2AttestationKey key,
                           attestation::ParseTpm2AttestationKey(doc.ak_public));
    VIGIL_ASSIGN_OR_RETURN(attestation::Tpm2Credential credential,
                           attestation::MakeTpm2Credential(ek, key.name, secret));
    ProtocolMsg request = quorum::Request(MessageKind::kTpmActivateCredentialRequest);
    request.id_object = credential.id_object;
    request.encrypted_secret = credential.encrypted_secret;
    ProtocolMsg answer = processor_->Handle(request);
    if (answer.kind != MessageKind::kTpmActivateCredentialResponse) {
      return Error::Failed(quorum::DescribeProtocolError(answer.error));
    }
    if (answer.secret != secret) return Error::Failed("another secret came back");
    return key.name;
  }
  Result<attestation::AttestationDocument> VerifyTpm(const Bytes& document,
                                                     std::optional<Bytes> activated) {
    attestation::VerifyOptions options{.time_seconds = std::time(nullptr), .tpm = Trust()};
    options.tpm->activated_ak_name = std::move(activated);
    return quorum::VerifyAgainstManifestHash(document, manifest_, hash_,
                                             quorum::ManifestPhase::kSetup, options);
  }
  std::unique_ptr<image::Swtpm> swtpm_;
};

TEST_F(TpmProcessorTest, BootsCommitsToPcrs12To15AndAttestsWithQuotes) {
  ProtocolMsg booted = Boot({1, 2});
  ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse)
      << quorum::DescribeProtocolError(booted.error);
  ASSERT_TRUE(attestation::LooksLikeTpmDocument(booted.nsm->data));
  EXPECT_NE(VerifyTpm(booted.nsm->data, std::nullopt).error().message().find("activation: "),
            std::string::npos);
  auto name = Activate(booted.nsm->data, Bytes(32, 0x11));
  ASSERT_TRUE(name.ok()) << name.error().message();
  auto doc = VerifyTpm(booted.nsm->data, *name);
  ASSERT_TRUE(doc.ok()) << doc.error().message();
  const Bytes setup =
      quorum::ManifestCommitment(quorum::ManifestPhase::kSetup, hash_, *doc->public_key).value();
  EXPECT_EQ(doc->pcrs.at(12), quorum::TpmManifestPcr(setup));
  EXPECT_EQ(doc->pcrs.at(15),
            quorum::TpmManifestPcr(
                quorum::ManifestOnlyCommitment(Bytes(hash_.begin(), hash_.end())).value()));
  EXPECT_NE(doc->pcrs.at(14), Bytes(32, 0));  // the live key's commitment
  // A share holder's own nonce.
  ProtocolMsg request = quorum::Request(MessageKind::kLiveAttestationDocWithNonceRequest);
  request.nonce = Bytes(32, 0x22);
  ProtocolMsg live = processor_->Handle(request);
  ASSERT_EQ(live.kind, MessageKind::kLiveAttestationDocResponse);
  attestation::VerifyOptions options{.time_seconds = std::time(nullptr), .tpm = Trust()};
  options.tpm->activated_ak_name = *name;
  options.expect.nonce = request.nonce;
  auto fresh = quorum::VerifyAgainstManifestHash(live.nsm->data, manifest_, hash_,
                                                 quorum::ManifestPhase::kSetup, options);
  ASSERT_TRUE(fresh.ok()) << fresh.error().message();
  EXPECT_EQ(fresh->public_key, doc->public_key);
}

TEST_F(TpmProcessorTest, ACommitmentPcrExtendedTwiceIsRefused) {
  ProtocolMsg booted = Boot({1, 2});
  ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse);
  auto name = Activate(booted.nsm->data, Bytes(32, 0x33));
  ASSERT_TRUE(name.ok()) << name.error().message();
  const Bytes setup_key = *attestation::DecodeTpmDocument(booted.nsm->data).value().public_key;
  // Something else in the VM extends PCR12 once more (swtpm serves one connection at a
  // time, so the enclave's goes first); a later quote by the same key shows it.
  processor_.reset();
  auto client = attestation::Tpm2Client::ConnectUnix(swtpm_->command_socket().string());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client->ExtendPcr(12, crypto::Sha256(AsBytes("again"))).ok());
  auto tpm = attestation::TpmProvider::Open(std::move(*client), (dir_ / "event-log").string());
  ASSERT_TRUE(tpm.ok()) << tpm.error().message();
  auto later =
      (*tpm)->Attest({.user_data = Bytes(hash_.begin(), hash_.end()), .public_key = setup_key});
  ASSERT_TRUE(later.ok()) << later.error().message();
  auto doc = VerifyTpm(*later, *name);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message().find("pcr12: PCR12 is not exactly one extend"), std::string::npos)
      << doc.error().message();
  // Another enclave booting on this TPM finds its commitment PCRs used.
  tpm->reset();
  processor_ = Processor();
  ProtocolMsg again = Boot({1, 2});
  EXPECT_EQ(ErrorOf(again), ProtocolErrorKind::kQosAttestError);
  EXPECT_NE(again.error.text.find("PCR12 is not fresh"), std::string::npos)
      << quorum::DescribeProtocolError(again.error);
}

TEST_F(TpmProcessorTest, AnotherPlatformOrACredentialForAnotherKeyIsRefused) {
  ProtocolMsg booted = Boot({1, 2});
  ASSERT_EQ(booted.kind, MessageKind::kBootStandardResponse);
  auto name = Activate(booted.nsm->data, Bytes(32, 0x44));
  ASSERT_TRUE(name.ok());
  manifest_.enclave.pcr2 = Bytes(32, 0x01);  // approved for another platform
  auto doc = VerifyTpm(booted.nsm->data, *name);
  ASSERT_FALSE(doc.ok());
  EXPECT_NE(doc.error().message().find("platform: "), std::string::npos);
  // A credential whose parts were garbled is refused by the TPM, named.
  ProtocolMsg request = quorum::Request(MessageKind::kTpmActivateCredentialRequest);
  request.id_object = Bytes(66, 0x01);
  request.encrypted_secret = Bytes(256, 0x02);
  ProtocolMsg answer = processor_->Handle(request);
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kQosAttestError);
  EXPECT_NE(answer.error.text.find("did not activate"), std::string::npos)
      << quorum::DescribeProtocolError(answer.error);
}

TEST_F(ProcessorTest, AMockNsmEnclaveHasNoCredentialToActivate) {
  ASSERT_EQ(Boot({1, 2}).kind, MessageKind::kBootStandardResponse);
  ProtocolMsg request = quorum::Request(MessageKind::kTpmActivateCredentialRequest);
  request.id_object = Bytes(66, 0x01);
  request.encrypted_secret = Bytes(256, 0x02);
  ProtocolMsg answer = processor_->Handle(request);
  EXPECT_EQ(ErrorOf(answer), ProtocolErrorKind::kQosAttestError);
  EXPECT_NE(quorum::DescribeProtocolError(answer.error).find("not a TPM"), std::string::npos);
}

}  // namespace
}  // namespace vigil::enclave
