#include "attestation/tpm2_ek_certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "crypto/openssl_util.h"

namespace vigil::attestation {
namespace {

using X509Ptr = crypto::OpenSslPtr<X509, X509_free>;
using StorePtr = crypto::OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = crypto::OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using BioPtr = crypto::OpenSslPtr<BIO, BIO_free>;
using PkeyPtr = crypto::OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;

struct StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using StackPtr = std::unique_ptr<STACK_OF(X509), StackDeleter>;

Result<StackPtr> ReadPems(std::string_view pem) {
  StackPtr stack(sk_X509_new_null());
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!stack || !bio) return crypto::OpenSslError("reading certificates");
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(stack.get(), cert);
  }
  ERR_clear_error();  // the end of the PEMs reads as an error
  return stack;
}

}  // namespace

Result<Bytes> VerifyEkCertificate(ByteView certificate_der, const EkTrust& trust, std::time_t now) {
  const unsigned char* p = certificate_der.data();
  X509Ptr certificate(d2i_X509(nullptr, &p, static_cast<long>(certificate_der.size())));
  if (!certificate || p != certificate_der.data() + certificate_der.size()) {
    ERR_clear_error();
    return Error::BadInput("the EK certificate is not one DER certificate");
  }
  VIGIL_ASSIGN_OR_RETURN(StackPtr roots, ReadPems(trust.roots_pem));
  VIGIL_ASSIGN_OR_RETURN(StackPtr intermediates, ReadPems(trust.intermediates_pem));
  if (sk_X509_num(roots.get()) == 0) return Error::BadInput("no pinned EK root certificate");
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return crypto::OpenSslError("setting up the EK check");
  for (int i = 0; i < sk_X509_num(roots.get()); ++i) {
    X509_STORE_add_cert(store.get(), sk_X509_value(roots.get(), i));
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certificate.get(), intermediates.get()) != 1) {
    return crypto::OpenSslError("setting up the EK check");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, now);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int reason = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return Error::Failed(std::string("the EK certificate does not chain to a pinned root: ") +
                         X509_verify_cert_error_string(reason));
  }
  PkeyPtr key(X509_get_pubkey(certificate.get()));
  unsigned char* der = nullptr;
  const int size = key ? i2d_PUBKEY(key.get(), &der) : -1;
  if (size <= 0) return crypto::OpenSslError("reading the EK's public key");
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

}  // namespace vigil::attestation
