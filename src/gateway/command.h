// The grammar of maintainers' commands (docs/SPEC-gateway.md, "Signed commands"): one line,
// words separated by one space.
//   Build COMPONENT COMMIT
//   Promote COMPONENT BUILD_ID FROM TO NOT_AFTER      (FROM testing, TO current)
//   Withdraw COMPONENT BUILD_ID CHANNEL NOT_AFTER      (CHANNEL testing or current)
// COMPONENT: 1-64 of a-z 0-9 . _ - ; COMMIT: 40 lowercase hex; BUILD_ID: COMPONENT-, then
// 1-100 of A-Z a-z 0-9 . _ - ; NOT_AFTER: YYYY-MM-DDTHH:MM:SSZ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::gateway {

struct Command {
  enum class Verb { kBuild, kPromote, kWithdraw } verb = Verb::kBuild;
  std::string component;
  std::string commit;          // Build
  std::string build_id;        // Promote, Withdraw
  std::string from;            // Promote
  std::string channel;         // Promote: TO; Withdraw: CHANNEL
  std::int64_t not_after = 0;  // Promote, Withdraw (Unix seconds); 0 for Build
};

// kBadInput naming the word that is wrong.
Result<Command> ParseCommand(std::string_view line);

// The channel a maintainer needs the right to act on: TO for Promote, CHANNEL for Withdraw,
// "testing" for Build (a build is published there).
std::string CommandChannel(const Command& command);

}  // namespace vigil::gateway
