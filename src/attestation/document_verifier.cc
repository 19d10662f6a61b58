#include "attestation/document_verifier.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstring>
#include <string>
#include <string_view>

#include "attestation/document_reader.h"
#include "attestation/document_writer.h"
#include "attestation/mock_pki.h"
#include "attestation/tpm_document.h"
#include "attestation/tpm_document_verifier.h"
#include "base/hex.h"
#include "crypto/es384.h"
#include "crypto/hash.h"
#include "crypto/openssl_util.h"

namespace vigil::attestation {
namespace {

using crypto::OpenSslPtr;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using BioPtr = OpenSslPtr<BIO, BIO_free>;
struct StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), StackDeleter>;

// AWS's published root (aws.amazon.com/ec2/nitro/nitro-enclaves: AWS_NitroEnclaves_Root-G1).
constexpr std::string_view kAwsRootPem =
    "-----BEGIN CERTIFICATE-----\n"
    "MIICETCCAZagAwIBAgIRAPkxdWgbkK/hHUbMtOTn+FYwCgYIKoZIzj0EAwMwSTEL\n"
    "MAkGA1UEBhMCVVMxDzANBgNVBAoMBkFtYXpvbjEMMAoGA1UECwwDQVdTMRswGQYD\n"
    "VQQDDBJhd3Mubml0cm8tZW5jbGF2ZXMwHhcNMTkxMDI4MTMyODA1WhcNNDkxMDI4\n"
    "MTQyODA1WjBJMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGQW1hem9uMQwwCgYDVQQL\n"
    "DANBV1MxGzAZBgNVBAMMEmF3cy5uaXRyby1lbmNsYXZlczB2MBAGByqGSM49AgEG\n"
    "BSuBBAAiA2IABPwCVOumCMHzaHDimtqQvkY4MpJzbolL//Zy2YlES1BR5TSksfbb\n"
    "48C8WBoyt7F2Bw7eEtaaP+ohG2bnUs990d0JX28TcPQXCEPZ3BABIeTPYwEoCWZE\n"
    "h8l5YoQwTcU/9KNCMEAwDwYDVR0TAQH/BAUwAwEB/zAdBgNVHQ4EFgQUkCW1DdkF\n"
    "R+eWw5b6cp3PmanfS5YwDgYDVR0PAQH/BAQDAgGGMAoGCCqGSM49BAMDA2kAMGYC\n"
    "MQCjfy+Rocm9Xue4YnwWmNJVA44fA0P5W2OpYow9OYCVRaEevL8uO1XYru5xtMPW\n"
    "rfMCMQCi85sWBbJwKKXdS6BptQFuZbT73o/gBh1qUxl/nNr12UO8Yfwr6wPLb+6N\n"
    "IwLz3/Y=\n"
    "-----END CERTIFICATE-----\n";

Error Check(std::string_view check, const std::string& problem) {
  return Error::Failed(std::string(check) + ": " + problem);
}

Result<X509Ptr> ParseDer(ByteView der, std::string_view what) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  ERR_clear_error();
  if (!cert || p != der.data() + der.size()) {
    return Check("chain", std::string(what) + " is not one DER X.509 certificate");
  }
  return cert;
}

bool IsP384Sha384(X509* cert) {
  if (X509_get_signature_nid(cert) != NID_ecdsa_with_SHA384) return false;
  EVP_PKEY* key = X509_get0_pubkey(cert);
  char group[32] = {};
  return key != nullptr && EVP_PKEY_is_a(key, "EC") &&
         EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, nullptr) == 1 &&
         std::strcmp(group, "secp384r1") == 0;
}

// The document's own time against the verifier's clock; the chain is checked at the former.
Status CheckTime(const AttestationDocument& doc, const VerifyOptions& options) {
  const std::int64_t made = static_cast<std::int64_t>(doc.timestamp_ms / 1000);
  if (made > options.time_seconds + kMaxClockSkewSeconds) {
    return Check("time", "the document was made at " + std::to_string(made) + ", " +
                             std::to_string(made - options.time_seconds) +
                             " s after the verifier's clock (" +
                             std::to_string(options.time_seconds) + ")");
  }
  if (options.max_age_seconds && options.time_seconds - made > *options.max_age_seconds) {
    return Check("time", "the document was made at " + std::to_string(made) + ", " +
                             std::to_string(options.time_seconds - made) +
                             " s before the verifier's clock; it may be at most " +
                             std::to_string(*options.max_age_seconds) + " s old (--max-age)");
  }
  return OkStatus();
}

Status VerifyChain(const AttestationDocument& doc, const VerifyOptions& options) {
  const auto made = static_cast<time_t>(doc.timestamp_ms / 1000);
  VIGIL_ASSIGN_OR_RETURN(X509Ptr root, ParseDer(options.root_der, "the pinned root"));
  VIGIL_ASSIGN_OR_RETURN(X509Ptr leaf, ParseDer(doc.certificate, "the certificate"));
  StackPtr intermediates(sk_X509_new_null());
  for (std::size_t i = 1; i < doc.cabundle.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(X509Ptr cert, ParseDer(doc.cabundle[i], "a cabundle entry"));
    if (sk_X509_push(intermediates.get(), cert.get()) <= 0) return crypto::OpenSslError("chain");
    cert.release();
  }
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || X509_STORE_add_cert(store.get(), root.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), intermediates.get()) != 1) {
    return crypto::OpenSslError("setting up the chain check");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, made);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Check("chain",
                 "the certificate does not chain to the pinned root at the document's "
                 "time (" +
                     std::to_string(made) + "): " + X509_verify_cert_error_string(error));
  }
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    if (!IsP384Sha384(sk_X509_value(chain, i))) {
      return Check("chain", "certificate " + std::to_string(i) +
                                " of the chain is not ECDSA P-384 signed with SHA-384");
    }
  }
  return OkStatus();
}

Status CheckRoot(const AttestationDocument& doc, const VerifyOptions& options) {
  const bool mock_root = crypto::Sha256(options.root_der) == MockRootSha256();
  if (mock_root && !options.trust_mock_root) {
    return Check("root",
                 "the pinned root is the mock NSM's test root, which proves nothing; "
                 "trust it only for tests (--trust-mock)");
  }
  if (IsMockDocument(doc) && !mock_root) {
    return Check("root", "the document comes from the mock NSM, not from Nitro hardware");
  }
  if (doc.cabundle.front() != options.root_der) {
    return Check("root", "cabundle[0] is not the pinned root");
  }
  return OkStatus();
}

Status CheckField(std::string_view name, const std::optional<Bytes>& actual,
                  const std::optional<Bytes>& expected) {
  if (!expected || actual == expected) return OkStatus();
  return Check(name, "the document holds " + (actual ? HexEncode(*actual) : "nothing") +
                         ", expected " + HexEncode(*expected));
}

}  // namespace

Status CheckExpectations(const AttestationDocument& doc, const Expectations& expect) {
  VIGIL_RETURN_IF_ERROR(CheckField("user_data", doc.user_data, expect.user_data));
  VIGIL_RETURN_IF_ERROR(CheckField("public_key", doc.public_key, expect.public_key));
  VIGIL_RETURN_IF_ERROR(CheckField("nonce", doc.nonce, expect.nonce));
  if (expect.no_nonce && doc.nonce) {
    return Check("nonce", "the document carries a nonce where none was expected");
  }
  for (const auto& [index, value] : expect.pcrs) {
    const std::string name = "pcr" + std::to_string(index);
    auto found = doc.pcrs.find(index);
    if (found == doc.pcrs.end())
      return Check(name, "the document has no PCR" + std::to_string(index));
    if (found->second != value) {
      return Check(name, "the document holds " + HexEncode(found->second) + ", expected " +
                             HexEncode(value));
    }
  }
  return OkStatus();
}

Bytes AwsRootDer() { return ReadRootCertificate(AsBytes(kAwsRootPem)).value(); }

Result<Bytes> ReadRootCertificate(ByteView file_contents) {
  const std::string_view text = AsText(file_contents);
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string_view::npos) {
    const unsigned char* p = file_contents.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(file_contents.size())));
    ERR_clear_error();
    if (!cert || p != file_contents.data() + file_contents.size()) {
      return Error::BadInput("the root is neither a PEM nor a DER X.509 certificate");
    }
    return Bytes(file_contents.begin(), file_contents.end());
  }
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  ERR_clear_error();
  if (!cert) return Error::BadInput("the root's PEM does not hold an X.509 certificate");
  unsigned char* der = nullptr;
  const int size = i2d_X509(cert.get(), &der);
  if (size <= 0) return crypto::OpenSslError("encoding the root");
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

bool IsMockDocument(const AttestationDocument& document) {
  return document.module_id == kMockModuleId;
}

Result<AttestationDocument> VerifyDocument(ByteView document, const VerifyOptions& options) {
  if (LooksLikeTpmDocument(document)) return VerifyTpmDocument(document, options);
  VIGIL_ASSIGN_OR_RETURN(CoseSign1 cose, ReadCoseSign1(document));
  VIGIL_ASSIGN_OR_RETURN(AttestationDocument doc, ReadPayload(cose.payload));
  VIGIL_RETURN_IF_ERROR(CheckRoot(doc, options));
  VIGIL_RETURN_IF_ERROR(CheckTime(doc, options));
  VIGIL_RETURN_IF_ERROR(VerifyChain(doc, options));
  const Status signature = crypto::Es384VerifyWithCertificate(
      doc.certificate, SigStructure(cose.protected_header, cose.payload), cose.signature);
  if (!signature.ok()) return Check("signature", signature.error().message());
  VIGIL_RETURN_IF_ERROR(CheckExpectations(doc, options.expect));
  return doc;
}

}  // namespace vigil::attestation
