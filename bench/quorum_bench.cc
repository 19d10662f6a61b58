// A plain program: the quorum runtime's part-2 figures, each beside an OpenSSL baseline
// measured in the same run (scripts/bench prints the ratios).
//
//   quorum_bench genesis ENCLAVE_BIN MEMBERS THRESHOLD RUNS
//     Genesis with vigil-enclave as a process (mock NSM, a fresh process per run, since a
//     ceremony leaves it GenesisBooted): the time from the request to the answer on its Unix
//     socket, median of RUNS. Baseline: OpenSSL (EVP) doing the same public-key work: the
//     quorum key (a qos key pair is two P-256 keys), MEMBERS + 2 envelopes (one per member, the DR
//     key, the test message; each a fresh ephemeral P-256 key and one ECDH), one P-256 signature
//     (the test message) and one P-384 signature (the attestation the mock NSM signs).
//   quorum_bench verify DOC TIME SECONDS
//     Attestation documents verified per second (attestation/document_verifier.h, the 2022
//     AWS document at its time). Baseline: OpenSSL alone doing the same certificate-chain
//     check and ES384 signature check on the same bytes, already extracted.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "attestation/document_reader.h"
#include "attestation/document_verifier.h"
#include "attestation/document_writer.h"
#include "base/strict_number.h"
#include "crypto/p256.h"
#include "quorum/channel.h"
#include "quorum/protocol_msg.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "quorum_bench: %s\n", why.c_str());
  std::exit(1);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// ---- genesis ----

Bytes GenesisRequest(int members, int threshold) {
  quorum::ProtocolMsg request = quorum::Request(quorum::MessageKind::kBootGenesisRequest);
  for (int i = 0; i < members; ++i) {
    auto pair = crypto::qos::P256Pair::Generate();
    if (!pair.ok()) Die("key generation failed");
    request.genesis_set.members.push_back({"member" + std::to_string(i), pair->public_key()});
  }
  request.genesis_set.threshold = static_cast<std::uint32_t>(threshold);
  auto dr = crypto::qos::P256Pair::Generate();
  request.dr_key = dr->public_key();
  return quorum::EncodeWire(request, quorum::WireEncoding::kJson).value();
}

// One fresh enclave, one ceremony; the milliseconds from request to answer.
double GenesisOnce(const std::string& enclave_bin, const Bytes& request, int run) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("vigil-qbench-" + std::to_string(getpid()) + "-" + std::to_string(run));
  std::filesystem::create_directories(dir / "state");
  const std::string socket = (dir / "enclave.sock").string();
  const pid_t child = fork();
  if (child == 0) {
    std::freopen("/dev/null", "w", stderr);
    execl(enclave_bin.c_str(), enclave_bin.c_str(), "--usock", socket.c_str(), "--mock-nsm",
          "--state-dir", (dir / "state").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 400 && !std::filesystem::exists(socket); ++i) usleep(5000);
  // Up and answering, as a host's health check would find it before the ceremony.
  const Bytes status = quorum::EncodeWire(quorum::Request(quorum::MessageKind::kStatusRequest),
                                          quorum::WireEncoding::kJson)
                           .value();
  if (!quorum::ExchangeFrames(socket, status).ok()) Die("the enclave does not answer");
  const auto start = Clock::now();
  Result<Bytes> answer = quorum::ExchangeFrames(socket, request);
  const double ms = MsSince(start);
  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);
  std::filesystem::remove_all(dir);
  if (!answer.ok()) Die("genesis: " + answer.error().message());
  Result<quorum::DecodedMsg> decoded = quorum::DecodeWire(*answer);
  if (!decoded.ok() || decoded->msg.kind != quorum::MessageKind::kBootGenesisResponse) {
    Die("the enclave did not answer with a genesis output");
  }
  return ms;
}

EVP_PKEY* NewKey(const char* group) {
  EVP_PKEY* key = EVP_EC_gen(group);
  if (key == nullptr) Die("EVP_EC_gen failed");
  return key;
}

void Sign(EVP_PKEY* key) {
  const unsigned char message[16] = {'q', 'o', 's'};
  unsigned char signature[160];
  size_t size = sizeof signature;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
  if (EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx, signature, &size, message, sizeof message) != 1) {
    Die("EVP_DigestSign failed");
  }
  EVP_MD_CTX_free(ctx);
}

// The same public-key work as one ceremony, in OpenSSL alone.
double OpenSslGenesisOnce(int members) {
  std::vector<EVP_PKEY*> peers;
  for (int i = 0; i < members + 2; ++i) peers.push_back(NewKey("P-256"));  // setup, untimed
  EVP_PKEY* p384 = NewKey("P-384");
  const auto start = Clock::now();
  EVP_PKEY* quorum = NewKey("P-256");          // a qos key pair is two P-256 keys:
  EVP_PKEY* quorum_encrypt = NewKey("P-256");  // one signs, one decrypts
  for (EVP_PKEY* peer : peers) {
    EVP_PKEY* ephemeral = NewKey("P-256");
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(ephemeral, nullptr);
    unsigned char secret[32];
    size_t size = sizeof secret;
    if (EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
        EVP_PKEY_derive(ctx, secret, &size) != 1) {
      Die("ECDH failed");
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(ephemeral);
  }
  Sign(quorum);
  Sign(p384);
  const double ms = MsSince(start);
  EVP_PKEY_free(quorum);
  EVP_PKEY_free(quorum_encrypt);
  EVP_PKEY_free(p384);
  for (EVP_PKEY* peer : peers) EVP_PKEY_free(peer);
  return ms;
}

int Genesis(const std::string& enclave_bin, int members, int threshold, int runs) {
  const Bytes request = GenesisRequest(members, threshold);
  std::vector<double> ours, openssl;
  for (int run = 0; run < runs; ++run) {
    ours.push_back(GenesisOnce(enclave_bin, request, run));
    openssl.push_back(OpenSslGenesisOnce(members));
  }
  std::printf("genesis %d %d %.3f %.3f\n", threshold, members, Median(ours), Median(openssl));
  return 0;
}

// ---- verify ----

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

X509* Certificate(const Bytes& der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) Die("d2i_X509 failed");
  return cert;
}

// OpenSSL alone: parse the chain, verify it at `time`, check the ES384 signature.
bool OpenSslVerify(const attestation::AttestationDocument& doc, const Bytes& to_be_signed,
                   const Bytes& der_signature, std::int64_t time) {
  X509* leaf = Certificate(doc.certificate);
  X509_STORE* store = X509_STORE_new();
  X509* root = Certificate(doc.cabundle[0]);
  X509_STORE_add_cert(store, root);
  STACK_OF(X509)* chain = sk_X509_new_null();
  for (std::size_t i = 1; i < doc.cabundle.size(); ++i) {
    sk_X509_push(chain, Certificate(doc.cabundle[i]));
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, chain);
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), static_cast<time_t>(time));
  bool ok = X509_verify_cert(ctx) == 1;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ok = ok &&
       EVP_DigestVerifyInit(md, nullptr, EVP_sha384(), nullptr, X509_get0_pubkey(leaf)) == 1 &&
       EVP_DigestVerify(md, der_signature.data(), der_signature.size(), to_be_signed.data(),
                        to_be_signed.size()) == 1;
  EVP_MD_CTX_free(md);
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(chain, X509_free);
  X509_free(root);
  X509_STORE_free(store);
  X509_free(leaf);
  return ok;
}

// COSE's raw r || s as the DER ECDSA-Sig-Value OpenSSL verifies.
Bytes DerSignature(const Bytes& raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw.data(), 48, nullptr), BN_bin2bn(raw.data() + 48, 48, nullptr));
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig, &der);
  Bytes out(der, der + size);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

template <typename Call>
double PerSecond(double seconds, Call call) {
  const auto start = Clock::now();
  long count = 0;
  while (MsSince(start) < seconds * 1000) {
    if (!call()) Die("a verification failed");
    ++count;
  }
  return static_cast<double>(count) / (MsSince(start) / 1000);
}

int Verify(const std::string& path, std::int64_t time, double seconds) {
  const Bytes document = ReadAll(path);
  attestation::VerifyOptions options{.root_der = attestation::AwsRootDer(), .time_seconds = time};
  auto cose = attestation::ReadCoseSign1(document);
  auto doc = attestation::VerifyDocument(document, options);
  if (!cose.ok() || !doc.ok()) Die("the document does not verify at " + std::to_string(time));
  const Bytes to_be_signed = attestation::SigStructure(cose->protected_header, cose->payload);
  const Bytes der_signature = DerSignature(cose->signature);
  double ours = 0, openssl = 0;
  for (int round = 0; round < 3; ++round) {  // alternate, keep the best of each
    ours = std::max(ours, PerSecond(seconds / 6, [&] {
                      return attestation::VerifyDocument(document, options).ok();
                    }));
    openssl = std::max(openssl, PerSecond(seconds / 6, [&] {
                         return OpenSslVerify(*doc, to_be_signed, der_signature, time);
                       }));
  }
  std::printf("verify %.1f %.1f\n", ours, openssl);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  auto number = [&](int i) {
    ScannedNumber<std::uint64_t> n = ScanUnsigned(argv[i], 0, 1ull << 40);
    if (!n.ok()) Die(std::string("not a number: ") + argv[i]);
    return static_cast<std::int64_t>(n.value);
  };
  if (mode == "genesis" && argc == 6) {
    return Genesis(argv[2], static_cast<int>(number(3)), static_cast<int>(number(4)),
                   static_cast<int>(number(5)));
  }
  if (mode == "verify" && argc == 5)
    return Verify(argv[2], number(3), static_cast<double>(number(4)));
  std::fprintf(stderr,
               "usage: quorum_bench genesis ENCLAVE_BIN MEMBERS THRESHOLD RUNS\n"
               "       quorum_bench verify DOC TIME SECONDS\n");
  return 2;
}
