// libFuzzer target: the HTTP/1.1 message-head parser shared by the ledger's server and the
// client commands (request and response heads, Content-Length). An accepted head respects
// the limits it was given: its size, its field count, a target that is a visible-ASCII
// path, lower-case field names without control bytes in values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message_head.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  vigil::http::HeadLimits limits;
  limits.max_bytes = 4096;
  limits.max_fields = 16;
  auto end = vigil::http::HeadEnd(input);
  const std::string_view head = end ? input.substr(0, *end) : input;

  auto check_fields = [&](const vigil::http::Fields& fields) {
    if (fields.list.size() > limits.max_fields) __builtin_trap();
    for (const auto& field : fields.list) {
      if (field.name.empty()) __builtin_trap();
      for (char c : field.name) {
        if (c >= 'A' && c <= 'Z') __builtin_trap();
      }
      for (char c : field.value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && u != '\t') || u == 0x7f) __builtin_trap();
      }
    }
  };
  auto request = vigil::http::ParseRequestHead(head, limits);
  if (request.ok()) {
    if (head.size() > limits.max_bytes || request->target.empty() || request->target[0] != '/' ||
        !request->target.starts_with(request->path)) {
      __builtin_trap();
    }
    check_fields(request->fields);
  }
  auto response = vigil::http::ParseResponseHead(head, limits);
  if (response.ok()) {
    if (response->status < 100 || response->status > 999) __builtin_trap();
    check_fields(response->fields);
  }
  auto length = vigil::http::ParseContentLength(input.substr(0, 32), 1 << 20);
  if (length.ok() && *length > (1u << 20)) __builtin_trap();
  return 0;
}
