#include "rpc/address.h"

#include "base/strict_number.h"

namespace vigil::rpc {
namespace {

// sockaddr_un.sun_path holds 108 bytes including the terminating NUL.
constexpr std::size_t kMaxUnixPath = 107;

Error Usage(std::string_view text, const std::string& why) {
  return Error::BadInput("address '" + std::string(text) + "': " + why +
                         " (use unix:/path/to.sock or tcp:HOST:PORT)");
}

}  // namespace

std::string Address::ToString() const {
  if (kind == Kind::kUnix) return "unix:" + path;
  bool v6 = host.find(':') != std::string::npos;
  return "tcp:" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<Address> ParseAddress(std::string_view text) {
  Address address;
  if (text.starts_with("unix:") || text.starts_with("/")) {
    address.path = std::string(text.starts_with("/") ? text : text.substr(5));
    if (!address.path.starts_with("/")) return Usage(text, "a Unix socket path must be absolute");
    if (address.path.size() > kMaxUnixPath) {
      return Usage(text, "a Unix socket path is at most 107 bytes");
    }
    if (address.path.find('\0') != std::string::npos) return Usage(text, "NUL in the path");
    return address;
  }
  if (!text.starts_with("tcp:")) return Usage(text, "unknown scheme");
  std::string_view rest = text.substr(4);
  std::size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return Usage(text, "no port");
  std::string_view host = rest.substr(0, colon);
  std::string_view port = rest.substr(colon + 1);
  if (host.starts_with("[") && host.ends_with("]")) {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Usage(text, "put an IPv6 address in brackets");
  }
  if (host.empty() || host.size() > 253) return Usage(text, "no host");
  const ScannedNumber<std::uint64_t> value = ScanUnsigned(port, 0, 65535);
  if (!value.ok()) return Usage(text, "the port must be a number from 0 to 65535");
  address.kind = Address::Kind::kTcp;
  address.host = std::string(host);
  address.port = static_cast<std::uint16_t>(value.value);
  return address;
}

}  // namespace vigil::rpc
