#include "http/message_head.h"

#include <algorithm>
#include <limits>

#include "base/strict_number.h"

namespace vigil::http {
namespace {

constexpr std::size_t kMaxTarget = 8 << 10;

bool IsTokenChar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsTokenChar);
}

// Field values: visible ASCII, obs-text and inner spaces or tabs; no other control bytes.
bool IsFieldValue(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Splits the head into its first line and its field lines; checks size and line endings.
Result<std::vector<std::string_view>> Lines(std::string_view text, const HeadLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Error::BadInput("the message head is over " + std::to_string(limits.max_bytes) +
                           " bytes");
  }
  if (!text.ends_with("\r\n\r\n")) return Error::BadInput("the message head is not complete");
  text.remove_suffix(4);
  std::vector<std::string_view> lines;
  while (true) {
    const std::size_t end = text.find("\r\n");
    std::string_view line = text.substr(0, end);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return Error::BadInput("the message head has a bare CR or LF: lines end with CRLF");
    }
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 2);
  }
  if (lines.size() - 1 > limits.max_fields) {
    return Error::BadInput("the message head has more than " + std::to_string(limits.max_fields) +
                           " header fields");
  }
  return lines;
}

Result<Fields> ParseFields(const std::vector<std::string_view>& lines) {
  Fields fields;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
      return Error::BadInput("folded header lines (obs-fold) are not accepted");
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || !IsToken(line.substr(0, colon))) {
      return Error::BadInput("header line " + std::to_string(i) + " is not NAME: VALUE");
    }
    std::string_view value = Trim(line.substr(colon + 1));
    if (!IsFieldValue(value)) {
      return Error::BadInput("header line " + std::to_string(i) + " has a control character");
    }
    std::string name = Lower(line.substr(0, colon));
    // Two of these would let two parsers read two different messages (request smuggling).
    for (std::string_view single : {"content-length", "transfer-encoding", "host"}) {
      if (name == single && fields.Find(single) != nullptr) {
        return Error::BadInput("the header field " + name + " appears twice");
      }
    }
    fields.list.push_back({std::move(name), std::string(value)});
  }
  return fields;
}

}  // namespace

const std::string* Fields::Find(std::string_view name) const {
  for (const Field& field : list) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

std::optional<std::size_t> HeadEnd(std::string_view buffer) {
  const std::size_t end = buffer.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  return end + 4;
}

Result<RequestHead> ParseRequestHead(std::string_view text, const HeadLimits& limits) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string_view> lines, Lines(text, limits));
  std::string_view line = lines[0];
  const std::size_t first = line.find(' ');
  const std::size_t last = line.rfind(' ');
  if (first == std::string_view::npos || first == last) {
    return Error::BadInput("the request line is not METHOD TARGET HTTP/1.x");
  }
  RequestHead head;
  head.method = std::string(line.substr(0, first));
  std::string_view target = line.substr(first + 1, last - first - 1);
  std::string_view version = line.substr(last + 1);
  if (!IsToken(head.method)) return Error::BadInput("the request method is not a token");
  if (version == "HTTP/1.1") {
    head.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    head.minor_version = 0;
  } else {
    return Error::BadInput("only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (target.empty() || target.front() != '/' || target.size() > kMaxTarget ||
      !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return Error::BadInput("the request target must be a path of at most 8 KiB of visible ASCII");
  }
  head.target = std::string(target);
  head.path = std::string(target.substr(0, target.find('?')));
  VIGIL_ASSIGN_OR_RETURN(head.fields, ParseFields(lines));
  return head;
}

Result<ResponseHead> ParseResponseHead(std::string_view text, const HeadLimits& limits) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::string_view> lines, Lines(text, limits));
  std::string_view line = lines[0];
  if (!(line.starts_with("HTTP/1.1 ") || line.starts_with("HTTP/1.0 ")) || line.size() < 12 ||
      (line.size() > 12 && line[12] != ' ')) {
    return Error::BadInput("the status line is not HTTP/1.x CODE REASON");
  }
  ResponseHead head;
  std::string_view code = line.substr(9, 3);
  const ScannedNumber<std::uint64_t> status = ScanUnsigned(code, 100, 999);
  if (!status.ok()) return Error::BadInput("the status code is not three digits");
  head.status = static_cast<int>(status.value);
  VIGIL_ASSIGN_OR_RETURN(head.fields, ParseFields(lines));
  return head;
}

Result<std::size_t> ParseContentLength(std::string_view value, std::size_t max) {
  const ScannedNumber<std::uint64_t> parsed =
      ScanUnsigned(value, 0, std::numeric_limits<std::size_t>::max());
  if (!parsed.ok()) {
    if (parsed.problem == NumberProblem::kOutOfRange) {
      return Error::BadInput("Content-Length " + std::string(value.substr(0, 40)) +
                             " is over the limit of " + std::to_string(max) + " bytes");
    }
    return Error::BadInput("Content-Length is not a decimal number");
  }
  const auto length = static_cast<std::size_t>(parsed.value);
  if (length > max) {
    return Error::BadInput("Content-Length " + std::to_string(length) + " is over the limit of " +
                           std::to_string(max) + " bytes");
  }
  return length;
}

}  // namespace vigil::http
