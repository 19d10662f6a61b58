// libFuzzer target: the one strict decimal parser (base/strict_number: every size, index,
// port and time the formats carry) and the HTTP client's URL parser, on arbitrary text. An
// accepted number is within its range and reads back from its own decimal form; an accepted
// URL formats to a form that parses to the same host and port.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strict_number.h"
#include "http/client.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto n = vigil::ParseUnsigned(input, "n", 10, 1'000'000); n.ok()) {
    if (*n < 10 || *n > 1'000'000) __builtin_trap();
    auto again =
        vigil::ParseUnsigned(std::to_string(*n), "n", 10, 1'000'000, vigil::LeadingZeros::kRefused);
    if (!again.ok() || *again != *n) __builtin_trap();
  }
  if (auto n = vigil::ParseSigned(input, "n", -5000, 5000); n.ok()) {
    if (*n < -5000 || *n > 5000) __builtin_trap();
    auto again = vigil::ParseSigned(std::to_string(*n), "n", -5000, 5000);
    if (!again.ok() || *again != *n) __builtin_trap();
  }
  if (auto url = vigil::http::ParseUrl(std::string(input)); url.ok()) {
    if (url->host.empty() || url->port < 1 || url->port > 65535) __builtin_trap();
    auto again = vigil::http::ParseUrl(url->ToString());
    if (!again.ok() || again->host != url->host || again->port != url->port) __builtin_trap();
  }
  return 0;
}
