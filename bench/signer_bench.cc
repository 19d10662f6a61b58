// The signer's figure: signatures per second including receipt verification, for each key
// kind. One signature here is the whole decision the service makes for a request, minus
// the network and the ledger append: parse the request, verify the receipt's checkpoint
// signature and inclusion proof, check the entry, builder, digests and freshness, build
// the in-toto Statement, sign DSSE's PAE, serialize the envelope and hash it.
//
// Receipts come from a real log in which every build has its own checkpoint (the worst
// case: the checkpoint's signature is verified for every request); "shared checkpoint"
// rows use receipts from one batch. Output lines: "NAME RATE" (signatures per second),
// which scripts/bench sets beside `openssl speed` for the same algorithm.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"
#include "provenance/dsse.h"
#include "provenance/provenance.h"
#include "provenance/sign_request.h"
#include "signer/approval.h"
#include "signer/file_key.h"
#include "signer/pkcs11_key.h"
#include "signer/replay_store.h"
#include "tlog/store.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using crypto::KeyAlgorithm;

constexpr int kBuilds = 1000;
constexpr double kSecondsPerRow = 2.0;
const rpc::CallIdentity kBuilder{"builder", {"build"}};

std::int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Bytes BuildEntry(int i) {
  ledger::BuildEntry entry;
  entry.build_id = "bench-" + std::to_string(i);
  entry.builder = kBuilder;
  entry.start = "2026-11-22T10:00:00.000000Z";
  entry.end = "2026-11-22T10:01:00.000000Z";
  entry.lines = 1234;
  entry.log_sha256 = std::string(64, 'd');
  entry.closed = true;
  entry.artifacts = {{"hello.eif", crypto::FilledDigest(0xaa)},
                     {"initramfs", crypto::FilledDigest(0xbb)}};
  return ledger::SerializeBuildEntry(entry);
}

// Sign requests for kBuilds more builds appended in one batch: one checkpoint for all.
std::vector<std::string> SharedCheckpointRequests(tlog::LogStore& store) {
  const std::uint64_t first = store.size();
  std::vector<Bytes> entries;
  for (int i = 0; i < kBuilds; ++i) entries.push_back(BuildEntry(kBuilds + i));
  if (!store.AppendBatch(entries).ok()) std::abort();
  std::vector<std::string> requests;
  for (int i = 0; i < kBuilds; ++i) {
    auto receipt = store.Receipt(first + i);
    if (!receipt.ok()) std::abort();
    requests.push_back(provenance::FormatSignRequest({*receipt, {crypto::FilledDigest(0xaa)}}));
  }
  return requests;
}

// Sign requests for kBuilds builds, each appended in its own batch and proved against that
// batch's checkpoint (the store answers receipts against its latest checkpoint).
std::vector<std::string> DistinctCheckpointRequests(const fs::path& dir) {
  if (!tlog::LogStore::Init(dir, "bench.example/ledger").ok()) std::abort();
  auto store = tlog::LogStore::Open(dir);
  if (!store.ok()) std::abort();
  std::vector<std::string> requests;
  for (int i = 0; i < kBuilds; ++i) {
    const Bytes entry = BuildEntry(i);
    auto index = (*store)->AppendBatch(std::span<const Bytes>(&entry, 1));
    if (!index.ok()) std::abort();
    auto receipt = (*store)->Receipt(*index);
    if (!receipt.ok()) std::abort();
    requests.push_back(provenance::FormatSignRequest({*receipt, {crypto::FilledDigest(0xaa)}}));
  }
  return requests;
}

// One request, decided and signed as the service does (without network and ledger).
bool SignOne(signer::Approver& approver, signer::SigningKey& key, const std::string& text) {
  auto request = provenance::ParseSignRequest(text);
  if (!request.ok()) return false;
  signer::Verdict verdict = approver.Check(*request, kBuilder, Now());
  if (!verdict.approved()) return false;
  const signer::Approval& approval = verdict.approval;
  const std::string statement = provenance::MakeStatement(
      {approval.build, approval.subjects, approver.trust().origin, approval.ledger_index});
  provenance::DsseEnvelope envelope{
      std::string(provenance::kInTotoPayloadType), Bytes(statement.begin(), statement.end()), {}};
  auto signature = key.Sign(provenance::PreAuthEncoding(envelope.payload_type, envelope.payload));
  if (!signature.ok()) return false;
  envelope.signatures.push_back({key.public_key().KeyId(), std::move(signature).value()});
  const std::string text_out = provenance::SerializeEnvelope(envelope);
  return !HexEncode(crypto::Sha256(AsBytes(text_out))).empty();
}

double Rate(signer::Approver& approver, signer::SigningKey& key,
            const std::vector<std::string>& requests) {
  std::size_t done = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    if (!SignOne(approver, key, requests[done % requests.size()])) {
      std::fprintf(stderr, "signer_bench: a request was refused\n");
      std::exit(1);
    }
    ++done;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < kSecondsPerRow);
  return static_cast<double>(done) / elapsed;
}

// Reservations per second in the durable replay store (synchronous=FULL).
double ReplayRate(const fs::path& dir) {
  auto store = signer::ReplayStore::Open(dir);
  if (!store.ok()) std::abort();
  const auto start = Clock::now();
  int done = 0;
  for (; done < 300; ++done) {
    if (!(*store)->Reserve("key", "build-" + std::to_string(done)).ok()) std::abort();
  }
  return done / std::chrono::duration<double>(Clock::now() - start).count();
}

std::unique_ptr<signer::SigningKey> TokenKey(KeyAlgorithm algorithm, const std::string& label) {
  signer::Pkcs11KeyConfig config;
  config.module = "/usr/lib/softhsm/libsofthsm2.so";
  config.token_label = "bench";
  config.key_label = label;
  config.algorithm = algorithm;
  config.pin = crypto::SecretBytes(AsBytes(std::string("1234")));
  if (!signer::GeneratePkcs11Key(config).ok()) return nullptr;
  auto key = signer::OpenPkcs11Key(config);
  if (!key.ok()) {
    std::fprintf(stderr, "signer_bench: %s\n", key.error().message().c_str());
    return nullptr;
  }
  return std::move(key).value();
}

int Main() {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-signer-bench.");
  if (!temp.ok()) return 1;
  const fs::path dir = temp->path();
  const std::vector<std::string> distinct = DistinctCheckpointRequests(dir / "log");
  std::vector<std::string> shared;
  tlog::NoteVerifier verifier = [&] {
    auto store = tlog::LogStore::Open(dir / "log");
    if (!store.ok()) std::abort();
    shared = SharedCheckpointRequests(**store);
    return *tlog::NoteVerifier::Parse((*store)->verifier_key());
  }();
  signer::Approver approver(
      signer::LedgerTrust{verifier, "bench.example/ledger", std::chrono::seconds(3600)});

  for (KeyAlgorithm algorithm : {KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256}) {
    const std::string name(crypto::KeyAlgorithmName(algorithm));
    const fs::path path = dir / (name + ".key");
    if (!signer::GenerateFileKey(path, algorithm).ok()) return 1;
    auto key = signer::OpenFileKey(path, algorithm);
    if (!key.ok()) return 1;
    std::printf("file-%s %.0f\n", name.c_str(), Rate(approver, **key, distinct));
    std::printf("file-%s-shared %.0f\n", name.c_str(), Rate(approver, **key, shared));
  }

  // SoftHSM2, on a token of our own.
  const fs::path conf = dir / "softhsm2.conf";
  fs::create_directory(dir / "tokens");
  const std::string conf_text = "directories.tokendir = " + (dir / "tokens").string() +
                                "\nobjectstore.backend = file\nlog.level = ERROR\n";
  if (!WriteFileAtomic(conf, AsBytes(conf_text)).ok()) return 1;
  ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
  const std::string init =
      "softhsm2-util --init-token --free --label bench --so-pin 5678 --pin 1234 >/dev/null";
  if (std::system(init.c_str()) != 0) {
    std::fprintf(stderr, "signer_bench: softhsm2-util failed (run scripts/setup)\n");
    return 1;
  }
  for (KeyAlgorithm algorithm : {KeyAlgorithm::kEd25519, KeyAlgorithm::kEcdsaP256}) {
    const std::string name(crypto::KeyAlgorithmName(algorithm));
    auto key = TokenKey(algorithm, name);
    if (!key) return 1;
    std::printf("softhsm2-%s %.0f\n", name.c_str(), Rate(approver, *key, distinct));
  }
  std::printf("replay-reservations %.0f\n", ReplayRate(dir / "replay"));
  return 0;
}

}  // namespace
}  // namespace vigil

int main() { return vigil::Main(); }
