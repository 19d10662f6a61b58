// A role's TLS files and the context made from them once, shared by every call it makes
// or serves. The context is opaque here: Asio's and OpenSSL's types stay inside rpc
// (rpc/tls.h, for the transport).
#pragma once

#include <filesystem>
#include <memory>

#include "base/result.h"

namespace vigil::rpc {

// A role's certificate and key (from `vigil ca issue`) and the deployment CA certificate.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path key;
  std::filesystem::path ca;
};

enum class TlsSide { kServer, kClient };

struct TlsContext;

// TLS 1.3 only; the peer must present a certificate that chains to `files.ca` (a server
// requires one from every client); no session tickets. kBadInput names the file at fault.
Result<std::shared_ptr<TlsContext>> MakeTlsContext(const TlsFiles& files, TlsSide side);

}  // namespace vigil::rpc
