// TLS 1.3 with mutual authentication against the deployment CA only (never the system's
// trust store), and the identity a verified peer certificate carries.
#pragma once

#include <asio/ssl.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "rpc/policy.h"
#include "rpc/tls_context.h"

namespace vigil::rpc {

struct TlsContext {
  asio::ssl::context ssl;
};

// The identity in a certificate: its CN and its "vigil:tag:T" subjectAltName URIs. Fails
// when the CN is missing or not a role name (see IsRoleName) or a tag is malformed.
Result<CallIdentity> IdentityOfCertificate(X509* certificate);
// The identity of the peer of a completed, verified handshake.
Result<CallIdentity> PeerIdentity(SSL* ssl);
// Our own identity, from our certificate file.
Result<CallIdentity> IdentityOfCertificateFile(const std::filesystem::path& path);

// Why the last TLS operation on `ssl` failed, from OpenSSL's error queue (which it
// clears), with the certificate verification result when that was the cause
// ("certificate verify failed: unable to get local issuer certificate").
std::string DescribeTlsFailure(SSL* ssl);

}  // namespace vigil::rpc
