// Where a service listens: "unix:/path/to.sock" or "tcp:HOST:PORT" ("tcp:[::1]:7000" for
// IPv6). A bare absolute path means a Unix socket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::rpc {

struct Address {
  enum class Kind { kUnix, kTcp } kind = Kind::kUnix;
  std::string path;  // kUnix
  std::string host;  // kTcp: a name or a numeric address, without brackets
  std::uint16_t port = 0;
  std::string ToString() const;
};

Result<Address> ParseAddress(std::string_view text);

}  // namespace vigil::rpc
