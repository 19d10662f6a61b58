// A plain program: re-signing the testing channel's TUF metadata when it lists 10,000
// targets (a new version with a new expiry, then snapshot and timestamp, as the gateway's
// timer does for a quiet channel), against OpenSSL doing only the cryptography over the same
// bytes in the same run: SHA-256 of the new testing and snapshot files (what snapshot and
// timestamp would hash) and an Ed25519 signature over each of the three signed parts. A
// publication (one target added) is timed for information.
//
//   tuf_bench [--targets N] [--runs R]
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strict_number.h"
#include "crypto/ed25519.h"
#include "tuf/metadata.h"
#include "tuf/repository.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

tuf::SigningKey NewKey() {
  return tuf::SigningKeyFromSeed(crypto::Ed25519GenerateSeed().value()).value();
}

std::string Text(const fs::path& path) {
  Bytes bytes = ReadFile(path, 64 << 20).value();
  return std::string(AsText(bytes));
}

// OpenSSL alone: SHA-256 of the two files and an Ed25519 signature over each signed part.
double OpenSslSeconds(const std::vector<std::string>& files,
                      const std::vector<std::string>& signed_parts, const tuf::SigningKey& key,
                      int runs) {
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, key.seed.data(), key.seed.size());
  const auto start = Clock::now();
  for (int run = 0; run < runs; ++run) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    for (const std::string& file : files) {
      SHA256(reinterpret_cast<const unsigned char*>(file.data()), file.size(), digest);
    }
    for (const std::string& part : signed_parts) {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      unsigned char signature[64];
      std::size_t length = sizeof signature;
      EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, pkey);
      EVP_DigestSign(ctx, signature, &length, reinterpret_cast<const unsigned char*>(part.data()),
                     part.size());
      EVP_MD_CTX_free(ctx);
    }
  }
  EVP_PKEY_free(pkey);
  return std::chrono::duration<double>(Clock::now() - start).count() / runs;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t targets = 10000;
  int runs = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const auto value = ScanUnsigned(argv[i + 1], 1, 1'000'000);
    if (!value.ok()) return 2;
    if (std::string(argv[i]) == "--targets") targets = value.value;
    if (std::string(argv[i]) == "--runs") runs = static_cast<int>(value.value);
  }
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-tuf-bench.");
  const fs::path repo = temp->path() / "repo";
  tuf::SigningKey root = NewKey(), top = NewKey(), testing = NewKey(), current = NewKey(),
                  snapshot = NewKey(), timestamp = NewKey();
  tuf::RepositoryRoles roles;
  roles.keys = {{"root", {root.key}},         {"targets", {top.key}},
                {"testing", {testing.key}},   {"current", {current.key}},
                {"snapshot", {snapshot.key}}, {"timestamp", {timestamp.key}}};
  tuf::Expiry expiry{.now = std::time(nullptr)};
  if (!tuf::InitRepository(repo, roles,
                           {{&root}, {&top}, {&testing}, {&current}, {&snapshot}, {&timestamp}},
                           expiry)
           .ok()) {
    return 1;
  }
  (void)WriteFileAtomic(temp->path() / "artifact", AsBytes("an artifact"), 0644);
  std::vector<tuf::NewTarget> many;
  for (std::size_t i = 0; i < targets; ++i) {
    many.push_back({"testing/hello/hello-" + std::to_string(100000 + i) + "/hello.eif",
                    temp->path() / "artifact",
                    {{"build_id", "hello-" + std::to_string(100000 + i)},
                     {"commit", std::string(40, 'a')},
                     {"ledger_index", std::to_string(i)},
                     {"published", "2026-12-05T00:00:00Z"}}});
  }
  if (!tuf::AddTargets(repo, tuf::kTestingRole, many, {&testing}, snapshot, timestamp, expiry).ok())
    return 1;
  // The figure: testing re-signed with the same 10,000 targets and a new expiry, then
  // snapshot and timestamp (what the gateway's timer does for a quiet channel).
  auto start = Clock::now();
  for (int run = 0; run < runs; ++run) {
    if (!tuf::ResignRoles(repo, {{tuf::kTestingRole, {&testing}}}, snapshot, timestamp, expiry)
             .ok()) {
      return 1;
    }
  }
  const double ours = std::chrono::duration<double>(Clock::now() - start).count() / runs;
  // For information: a publication, one target added (its file copied in, a new directory).
  start = Clock::now();
  for (int run = 0; run < runs; ++run) {
    const std::string id = "hello-" + std::to_string(900000 + run);
    const tuf::NewTarget one{"testing/hello/" + id + "/hello.eif",
                             temp->path() / "artifact",
                             {{"build_id", id}, {"published", "2026-12-05T00:00:00Z"}}};
    if (!tuf::AddTargets(repo, tuf::kTestingRole, {one}, {&testing}, snapshot, timestamp, expiry)
             .ok())
      return 1;
  }
  const double publish = std::chrono::duration<double>(Clock::now() - start).count() / runs;
  // The bytes the last re-signing signed and hashed (the publications came after it).
  const std::string testing_file =
      Text(repo / "metadata" / (std::to_string(2 + runs) + ".testing.json"));
  const std::string snapshot_file =
      Text(repo / "metadata" / (std::to_string(2 + runs) + ".snapshot.json"));
  const std::string timestamp_file = Text(repo / "metadata" / "timestamp.json");
  const std::vector<std::string> parts = {tuf::ReadTargets(testing_file)->signed_bytes,
                                          tuf::ReadSnapshot(snapshot_file)->signed_bytes,
                                          tuf::ReadTimestamp(timestamp_file)->signed_bytes};
  const double openssl = OpenSslSeconds({testing_file, snapshot_file}, parts, testing, runs);
  std::printf("== re-signing testing with %zu targets (+ snapshot, timestamp), %d runs\n", targets,
              runs);
  std::printf(
      "  vigil (tuf::ResignRoles, %zu-byte testing metadata, three files written and synced, "
      "the large one with direct I/O): %.1f ms\n",
      testing_file.size(), ours * 1000);
  std::printf("  OpenSSL SHA-256 + Ed25519 over the same bytes: %.1f ms\n", openssl * 1000);
  std::printf(
      "  for information: a publication (one target added: its file, a new version of the three): "
      "%.1f ms\n",
      publish * 1000);
  // Where the time goes, for information: reading the previous version, writing the next.
  const auto read_start = Clock::now();
  auto parsed = tuf::ReadTargets(testing_file);
  const double read = std::chrono::duration<double>(Clock::now() - read_start).count();
  const auto write_start = Clock::now();
  (void)tuf::WriteTargets(parsed->role, {&testing});
  const double write = std::chrono::duration<double>(Clock::now() - write_start).count();
  std::printf(
      "  for information: reading and checking the previous testing file %.1f ms "
      "(the gateway keeps what it wrote instead); encoding every target and signing %.1f ms "
      "(a change of files does this; re-signing keeps the encoded files and re-encodes only "
      "the version and expiry around them)\n",
      read * 1000, write * 1000);
  const double ratio = openssl / ours;
  std::printf("  ratio OpenSSL/vigil: %.3f (goal >= 0.5: %s)\n", ratio,
              ratio >= 0.5 ? "goal met" : "goal NOT met");
  return 0;
}
