// The first frame of a call: "SERVICE+ARGUMENT" (or "SERVICE" for the empty argument), as
// in qrexec. Spec: docs/SPEC-call.md.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::rpc {

struct CallRequest {
  std::string service;   // 1-64 of A-Z a-z 0-9 . _ -
  std::string argument;  // 0-255 of A-Z a-z 0-9 . _ - : / +
  // "SERVICE+ARGUMENT", or "SERVICE" when the argument is empty (both parse the same).
  std::string ToString() const;
};

// Strict: the exact charsets and lengths above; anything else is kBadInput.
Result<CallRequest> ParseCallRequest(std::string_view text);

// The grammars above, for other parsers of service names and arguments (the policy).
bool IsServiceName(std::string_view text);
bool IsCallArgument(std::string_view text);

}  // namespace vigil::rpc
