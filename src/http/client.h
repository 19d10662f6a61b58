// A bounded HTTP/1.1 client (GET, and POST for vigil quorum's requests to vigil-host) for talking
// to servers we do not trust (a ledger's read API, a mirror): the whole exchange has one deadline,
// the response head and body have size limits, and nothing a server sends can make it wait or grow
// without end (finding D4: endless headers grew cpp-httplib's client to 10.8 GiB; a dripped body
// kept it waiting forever). Plain http:// only: what it fetches is signed, so it needs integrity
// from signatures, not from the transport. Spec: docs/SPEC-ledger.md ("HTTP limits").
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "http/message_head.h"

namespace vigil::http {

struct ClientLimits {
  HeadLimits head;
  std::size_t max_body = 17u << 20;
  std::chrono::milliseconds deadline{60'000};  // connect, request and the whole response
};

// http://HOST[:PORT][/], HOST a DNS name, an IPv4 address or a bracketed IPv6 address.
struct Url {
  std::string host;  // without brackets
  int port = 80;
  std::string ToString() const;  // http://HOST:PORT (brackets around IPv6)
};

// BadInput naming what is wrong; no path, query, user info or other scheme is accepted.
Result<Url> ParseUrl(const std::string& text);

struct Reply {
  int status = 0;
  Bytes body;
};

// GETs `path` (starting with '/'). MissingEnv when the server cannot be reached or the
// deadline passes (the message says which and how long), Failed when the server breaks
// HTTP or a limit.
Result<Reply> Get(const Url& url, const std::string& path, const ClientLimits& limits);
// POSTs `body` (application/octet-stream, with Content-Length) to `path`; errors as Get.
Result<Reply> Post(const Url& url, const std::string& path, ByteView body,
                   const ClientLimits& limits);
// The same with more header fields (a Content-Type among them replaces the default);
// BadInput for a name or value that is not one line.
using HeaderList = std::vector<std::pair<std::string, std::string>>;
Result<Reply> Post(const Url& url, const std::string& path, ByteView body,
                   const ClientLimits& limits, const HeaderList& headers);

}  // namespace vigil::http
