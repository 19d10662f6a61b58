// libFuzzer target: the qrexec-style policy parser on arbitrary text; every accepted rule
// must be well formed and evaluation must not crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rpc/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto policy =
      vigil::rpc::Policy::Parse(std::string_view(reinterpret_cast<const char*>(data), size), "f");
  if (!policy.ok()) return 0;
  for (const auto& rule : policy->rules()) {
    if (rule.service.empty() || rule.argument.empty() || rule.line <= 0) __builtin_trap();
  }
  auto decision = policy->Evaluate("vigil.Ping", "", {"a", {"t"}}, {"b", {}});
  if (decision.allow && decision.rule == nullptr) __builtin_trap();
  return 0;
}
