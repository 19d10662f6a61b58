#include "rpc/call_request.h"

#include <algorithm>

namespace vigil::rpc {
namespace {

constexpr std::size_t kMaxService = 64;
constexpr std::size_t kMaxArgument = 255;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsArgumentChar(char c) { return IsNameChar(c) || c == ':' || c == '/' || c == '+'; }

}  // namespace

bool IsServiceName(std::string_view text) {
  return !text.empty() && text.size() <= kMaxService &&
         std::all_of(text.begin(), text.end(), IsNameChar);
}

bool IsCallArgument(std::string_view text) {
  return text.size() <= kMaxArgument && std::all_of(text.begin(), text.end(), IsArgumentChar);
}

std::string CallRequest::ToString() const {
  return argument.empty() ? service : service + "+" + argument;
}

Result<CallRequest> ParseCallRequest(std::string_view text) {
  std::size_t plus = text.find('+');
  std::string_view service = text.substr(0, plus);
  std::string_view argument = plus == std::string_view::npos ? "" : text.substr(plus + 1);
  if (!IsServiceName(service)) {
    return Error::BadInput("a service name is 1-64 characters of A-Z a-z 0-9 . _ -");
  }
  if (!IsCallArgument(argument)) {
    return Error::BadInput("a call argument is 0-255 characters of A-Z a-z 0-9 . _ - : / +");
  }
  return CallRequest{std::string(service), std::string(argument)};
}

}  // namespace vigil::rpc
