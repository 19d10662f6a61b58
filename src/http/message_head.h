// The head of an HTTP/1.1 message (RFC 9112): the request or status line and the header
// fields, parsed strictly and within explicit bounds. Shared by Vigil's HTTP server (the
// ledger's read API) and client (`log verify`, `verify-artifact --ledger`), so a hostile
// peer meets the same limits on both sides. Spec: docs/SPEC-ledger.md ("HTTP limits").
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::http {

struct HeadLimits {
  std::size_t max_bytes = 16 << 10;  // the whole head, blank line included
  std::size_t max_fields = 64;
};

struct Field {
  std::string name;  // lower case
  std::string value;
};

struct Fields {
  std::vector<Field> list;
  // The value of field `name` (lower case); nullptr when absent. A field that appears
  // twice is refused when parsed if it is one whose repetition is ambiguous.
  const std::string* Find(std::string_view name) const;
};

struct RequestHead {
  std::string method;
  std::string target;  // origin form: /path?query
  std::string path;    // the target up to '?'
  int minor_version = 1;
  Fields fields;
};

struct ResponseHead {
  int status = 0;
  Fields fields;
};

// Where the head in `buffer` ends (just past its blank line), or std::nullopt when the
// buffer does not hold a whole head yet.
std::optional<std::size_t> HeadEnd(std::string_view buffer);

// Parses a whole head (`text` ends with CRLF CRLF). BadInput names what is wrong; a head
// over the limits is refused the same way.
Result<RequestHead> ParseRequestHead(std::string_view text, const HeadLimits& limits);
Result<ResponseHead> ParseResponseHead(std::string_view text, const HeadLimits& limits);

// A Content-Length value: decimal digits only, at most `max`; BadInput otherwise.
Result<std::size_t> ParseContentLength(std::string_view value, std::size_t max);

}  // namespace vigil::http
