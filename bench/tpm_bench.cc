// A plain program: TPM quote verification per second (vigil's VerifyTpm2Quote: the
// attestation key's public area read and checked, the ECDSA signature, the quote read, the
// nonce, the PCR selection and digest), against OpenSSL doing the same ECDSA P-256 verify
// and SHA-256 over the same attestation blob in process (the key loaded from its point each
// time, as a verifier meeting a quote does). The quote comes from a real swtpm.
//
//   tpm_bench [--seconds S]
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "attestation/tpm2_client.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm2_wire.h"
#include "base/file.h"
#include "base/strict_number.h"
#include "crypto/public_key.h"
#include "image/swtpm.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;

// OpenSSL alone: the key from its point, SHA-256 and ECDSA verify over the blob.
bool OpenSslVerify(const Bytes& point, const Bytes& attest, const Bytes& der_signature) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(md, der_signature.data(), der_signature.size(), attest.data(),
                                   attest.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

template <typename F>
double PerSecond(double seconds, F&& verify) {
  long count = 0;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < seconds) {
    for (int i = 0; i < 50; ++i) {
      if (!verify()) return -1;
    }
    count += 50;
  }
  return static_cast<double>(count) / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2;
  if (argc == 3 && std::string(argv[1]) == "--seconds") {
    seconds = static_cast<double>(ScanUnsigned(argv[2], 1, 600).value);
  }
  auto temp = TempDir::Create("/tmp", "vigil-tpm-bench.");
  auto tpm = image::Swtpm::Start(
      {.work_dir = temp->path() / "tpm", .ca_dir = temp->path() / "ca", .serve_commands = true});
  if (!tpm.ok()) {
    std::fprintf(stderr, "tpm_bench: %s\n", tpm.error().message().c_str());
    return 3;
  }
  auto client = attestation::Tpm2Client::ConnectUnix((*tpm)->command_socket().string());
  auto key = client->CreateAttestationKey();
  const std::vector<int> pcrs = {0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 14, 15};
  const Bytes nonce(32, 0x6e);
  auto quote = client->Quote(*key, nonce, pcrs);
  auto values = client->ReadPcrs(pcrs);
  if (!quote.ok() || !values.ok()) return 1;
  attestation::Tpm2QuoteExpectation expected{.attestation_key = key->public_area, .nonce = nonce};
  for (std::size_t i = 0; i < pcrs.size(); ++i) expected.pcrs.push_back({pcrs[i], (*values)[i]});
  // The baseline's inputs, prepared outside its loop: the point and the DER signature.
  const auto parsed = attestation::ParseTpm2AttestationKey(key->public_area);
  attestation::tpm2::Reader sig(quote->signature);
  sig.U16();
  sig.U16();
  const vigil::ByteView r = sig.Sized(), s = sig.Sized();
  Bytes raw(64, 0);
  std::copy(r.begin(), r.end(), raw.begin() + static_cast<std::ptrdiff_t>(32 - r.size()));
  std::copy(s.begin(), s.end(), raw.begin() + static_cast<std::ptrdiff_t>(64 - s.size()));
  const Bytes der = crypto::EcdsaRawToDer(raw).value();

  const double ours = PerSecond(seconds, [&] {
    return attestation::VerifyTpm2Quote(quote->attest, quote->signature, expected).ok();
  });
  const double openssl =
      PerSecond(seconds, [&] { return OpenSslVerify(parsed->point, quote->attest, der); });
  if (ours < 0 || openssl < 0) {
    std::fprintf(stderr, "tpm_bench: a verification failed\n");
    return 1;
  }
  std::printf("== TPM quote verification (swtpm quote of %zu PCRs, %zu-byte attestation)\n",
              pcrs.size(), quote->attest.size());
  std::printf("  vigil VerifyTpm2Quote (key, signature, nonce, selection, PCR digest): %.0f/s\n",
              ours);
  std::printf("  OpenSSL ECDSA P-256 verify with SHA-256 over the same blob (key loaded): %.0f/s\n",
              openssl);
  const double ratio = ours / openssl;
  std::printf("  ratio vigil/OpenSSL: %.3f (goal >= 0.8: %s)\n", ratio,
              ratio >= 0.8 ? "goal met" : "goal NOT met");
  return 0;
}
