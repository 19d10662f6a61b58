#include "rpc/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto/pem_files.h"
#include "rpc/ca.h"

namespace vigil::rpc {

// Certificates and keys are read by crypto/ (one reader for the TLS files and the signer's).
using crypto::CertPtr;
using crypto::KeyPtr;
using crypto::ReadCertificatePem;
using crypto::ReadPrivateKeyPem;
namespace {

using crypto::OpenSslError;

Status CheckIssuedByCa(X509_STORE* store, X509* cert, const TlsFiles& files) {
  X509_STORE_CTX* check = X509_STORE_CTX_new();
  const bool issued = check != nullptr && X509_STORE_CTX_init(check, store, cert, nullptr) == 1 &&
                      X509_verify_cert(check) == 1;
  const std::string why = check == nullptr
                              ? "out of memory"
                              : X509_verify_cert_error_string(X509_STORE_CTX_get_error(check));
  X509_STORE_CTX_free(check);
  ERR_clear_error();
  if (issued) return OkStatus();
  return Error::BadInput(files.certificate.string() + " does not verify against the CA " +
                         files.ca.string() + " (" + why +
                         "): give the certificate `vigil ca issue` made with that CA");
}

Status ConfigureContext(SSL_CTX* ctx, const TlsFiles& files, TlsSide side) {
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return OpenSslError("restricting TLS to version 1.3");
  }
  SSL_CTX_set_num_tickets(ctx, 0);  // every call authenticates afresh
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

  VIGIL_ASSIGN_OR_RETURN(CertPtr cert, ReadCertificatePem(files.certificate));
  VIGIL_ASSIGN_OR_RETURN(KeyPtr key, ReadPrivateKeyPem(files.key));
  VIGIL_ASSIGN_OR_RETURN(CertPtr ca, ReadCertificatePem(files.ca));
  if (SSL_CTX_use_certificate(ctx, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return Error::BadInput(files.key.string() + " is not the key of " + files.certificate.string());
  }
  // A fresh store holding the deployment CA alone.
  X509_STORE* store = X509_STORE_new();
  if (store == nullptr || X509_STORE_add_cert(store, ca.get()) != 1) {
    X509_STORE_free(store);
    return OpenSslError("loading the deployment CA");
  }
  SSL_CTX_set_cert_store(ctx, store);  // the context owns the store from here
  // A host's own certificate must be one the deployment CA issued (and valid now):
  // otherwise every caller would fail every handshake, long after a start that looked
  // fine. (A client's is judged by the host, which refuses and audits it.)
  if (side == TlsSide::kServer) VIGIL_RETURN_IF_ERROR(CheckIssuedByCa(store, cert.get(), files));
  SSL_CTX_set_verify_depth(ctx, 1);
  int mode = SSL_VERIFY_PEER;
  if (side == TlsSide::kServer) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  return OkStatus();
}

}  // namespace

Result<std::shared_ptr<TlsContext>> MakeTlsContext(const TlsFiles& files, TlsSide side) {
  try {
    auto context = std::make_shared<TlsContext>(
        TlsContext{asio::ssl::context(side == TlsSide::kServer ? asio::ssl::context::tls_server
                                                               : asio::ssl::context::tls_client)});
    VIGIL_RETURN_IF_ERROR(ConfigureContext(context->ssl.native_handle(), files, side));
    return context;
  } catch (const std::exception& e) {
    return Error::Failed(std::string("creating a TLS context: ") + e.what());
  }
}

Result<CallIdentity> IdentityOfCertificate(X509* certificate) {
  CallIdentity identity;
  X509_NAME* subject = X509_get_subject_name(certificate);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0 || X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0) {
    return Error::BadInput("the certificate does not have exactly one common name");
  }
  const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  identity.name.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                       static_cast<std::size_t>(ASN1_STRING_length(cn)));
  if (!IsRoleName(identity.name)) {
    return Error::BadInput("the certificate's common name is not a role name");
  }
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names != nullptr && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    std::string uri(
        reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.uniformResourceIdentifier)),
        static_cast<std::size_t>(ASN1_STRING_length(name->d.uniformResourceIdentifier)));
    if (!uri.starts_with(kTagUriPrefix)) continue;
    std::string tag = uri.substr(sizeof(kTagUriPrefix) - 1);
    if (!IsRoleName(tag)) {
      GENERAL_NAMES_free(names);
      return Error::BadInput("the certificate carries a malformed tag");
    }
    identity.tags.push_back(std::move(tag));
  }
  GENERAL_NAMES_free(names);
  return identity;
}

Result<CallIdentity> PeerIdentity(SSL* ssl) {
  if (SSL_get_verify_result(ssl) != X509_V_OK) {
    return Error::Failed("the peer's certificate did not verify");
  }
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return Error::Failed("the peer presented no certificate");
  return IdentityOfCertificate(peer);
}

Result<CallIdentity> IdentityOfCertificateFile(const std::filesystem::path& path) {
  VIGIL_ASSIGN_OR_RETURN(CertPtr cert, ReadCertificatePem(path));
  auto identity = IdentityOfCertificate(cert.get());
  if (!identity.ok()) return identity.error().WithContext(path.string());
  return identity;
}

std::string DescribeTlsFailure(SSL* ssl) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
  std::string text = reason != nullptr ? reason : "TLS error";
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) text += std::string(": ") + X509_verify_cert_error_string(verify);
  return text;
}

}  // namespace vigil::rpc
