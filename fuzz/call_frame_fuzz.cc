// libFuzzer target: everything a service host parses from a caller before any policy
// decision (frame headers, the request line, exit/error payloads) and addresses.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rpc/address.h"
#include "rpc/call_request.h"
#include "rpc/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (size >= vigil::rpc::kFrameHeaderSize) {
    vigil::rpc::CallError why{};
    auto header = vigil::rpc::DecodeFrameHeader(data, 1024, &why);
    if (header.ok() && header->length > 1024) __builtin_trap();
  }
  auto request = vigil::rpc::ParseCallRequest(text);
  if (request.ok()) {
    // A parsed request prints back to an equivalent one.
    auto again = vigil::rpc::ParseCallRequest(request->ToString());
    if (!again.ok() || again->service != request->service || again->argument != request->argument) {
      __builtin_trap();
    }
  }
  auto message = vigil::rpc::DecodeCodeMessage(text);
  if (message.ok()) {
    for (char c : message->message) {
      if (static_cast<unsigned char>(c) < 0x20) __builtin_trap();
    }
  }
  (void)vigil::rpc::ParseAddress(text);
  return 0;
}
