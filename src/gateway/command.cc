#include "gateway/command.h"

#include <vector>

#include "base/time.h"

namespace vigil::gateway {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start <= line.size()) {
    std::size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

bool OnlyOf(std::string_view text, std::string_view allowed) {
  return text.find_first_not_of(allowed) == std::string_view::npos;
}

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz0123456789._-";
constexpr std::string_view kBuildIdChars =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

Result<std::string> Component(std::string_view word) {
  if (word.empty() || word.size() > 64 || !OnlyOf(word, kLower)) {
    return Error::BadInput("COMPONENT must be 1-64 of a-z 0-9 . _ -");
  }
  return std::string(word);
}

Result<std::string> BuildId(std::string_view word, const std::string& component) {
  const std::string prefix = component + "-";
  if (word.size() <= prefix.size() || word.size() > prefix.size() + 100 ||
      word.substr(0, prefix.size()) != prefix || !OnlyOf(word, kBuildIdChars)) {
    return Error::BadInput("BUILD_ID must be " + prefix +
                           " followed by 1-100 of A-Z a-z 0-9 . _ -");
  }
  return std::string(word);
}

Result<std::string> Channel(std::string_view word, const char* what) {
  if (word != "testing" && word != "current") {
    return Error::BadInput(std::string(what) + " must be testing or current");
  }
  return std::string(word);
}

Result<std::int64_t> NotAfter(std::string_view word) {
  std::optional<std::int64_t> seconds = ParseRfc3339UtcSeconds(word);
  if (!seconds || word.size() != 20) {
    return Error::BadInput("NOT_AFTER must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
  }
  return *seconds;
}

}  // namespace

Result<Command> ParseCommand(std::string_view line) {
  const std::vector<std::string_view> words = Words(line);
  Command command;
  const std::string_view verb = words.front();
  if (verb == "Build") {
    if (words.size() != 3) return Error::BadInput("usage: Build COMPONENT COMMIT");
    command.verb = Command::Verb::kBuild;
    VIGIL_ASSIGN_OR_RETURN(command.component, Component(words[1]));
    if (words[2].size() != 40 || !OnlyOf(words[2], "0123456789abcdef")) {
      return Error::BadInput("COMMIT must be 40 lowercase hex digits");
    }
    command.commit = std::string(words[2]);
    return command;
  }
  if (verb == "Promote") {
    if (words.size() != 6) {
      return Error::BadInput("usage: Promote COMPONENT BUILD_ID FROM TO NOT_AFTER");
    }
    command.verb = Command::Verb::kPromote;
    VIGIL_ASSIGN_OR_RETURN(command.component, Component(words[1]));
    VIGIL_ASSIGN_OR_RETURN(command.build_id, BuildId(words[2], command.component));
    VIGIL_ASSIGN_OR_RETURN(command.from, Channel(words[3], "FROM"));
    VIGIL_ASSIGN_OR_RETURN(command.channel, Channel(words[4], "TO"));
    if (command.from != "testing" || command.channel != "current") {
      return Error::BadInput("a build is promoted from testing to current only");
    }
    VIGIL_ASSIGN_OR_RETURN(command.not_after, NotAfter(words[5]));
    return command;
  }
  if (verb == "Withdraw") {
    if (words.size() != 5) {
      return Error::BadInput("usage: Withdraw COMPONENT BUILD_ID CHANNEL NOT_AFTER");
    }
    command.verb = Command::Verb::kWithdraw;
    VIGIL_ASSIGN_OR_RETURN(command.component, Component(words[1]));
    VIGIL_ASSIGN_OR_RETURN(command.build_id, BuildId(words[2], command.component));
    VIGIL_ASSIGN_OR_RETURN(command.channel, Channel(words[3], "CHANNEL"));
    VIGIL_ASSIGN_OR_RETURN(command.not_after, NotAfter(words[4]));
    return command;
  }
  return Error::BadInput("unknown command '" + std::string(verb.substr(0, 32)) +
                         "': Build, Promote or Withdraw");
}

std::string CommandChannel(const Command& command) {
  return command.verb == Command::Verb::kBuild ? "testing" : command.channel;
}

}  // namespace vigil::gateway
