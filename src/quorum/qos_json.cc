#include "quorum/qos_json.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "base/utf8.h"
#include "encoding/strict_json.h"

namespace vigil::quorum::qos_json {
namespace {

using Json = nlohmann::json;

// The code point's UTF-16 code units packed so that integer order is UTF-16 order: a
// supplementary character sorts by its high surrogate (0xD800..0xDBFF), so before U+E000..U+FFFF
// although its code point is larger.
std::uint32_t Utf16Key(char32_t code_point) {
  if (code_point < 0x10000) return static_cast<std::uint32_t>(code_point) << 16;
  const std::uint32_t offset = static_cast<std::uint32_t>(code_point) - 0x10000;
  return ((0xd800 + (offset >> 10)) << 16) | (0xdc00 + (offset & 0x3ff));
}

// <0, 0 or >0 as `a` sorts before, with or after `b` by UTF-16 code units (both valid UTF-8).
int CompareUtf16(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    char32_t ca = 0;
    char32_t cb = 0;
    const std::size_t la = DecodeUtf8(a.substr(i), ca);
    const std::size_t lb = DecodeUtf8(b.substr(j), cb);
    if (la == 0 || lb == 0) return a.compare(b);  // not reached: keys are validated first
    if (ca != cb) return Utf16Key(ca) < Utf16Key(cb) ? -1 : 1;
    i += la;
    j += lb;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

// The two-character escape serde_json writes for `c`, or nullptr if it has none.
const char* ShortEscape(char c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      return nullptr;
  }
}

// Appends `text` (valid UTF-8) as a JSON string the way serde_json writes it.
void AppendQuoted(std::string_view text, std::string& out) {
  static constexpr char kHexDigits[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : text) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (const char* escape = ShortEscape(c)) {
      out += escape;
    } else if (byte < 0x20) {
      out += "\\u00";
      out.push_back(kHexDigits[byte >> 4]);
      out.push_back(kHexDigits[byte & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// A path segment for error messages: .name for identifier-like keys, ["..."] otherwise.
std::string KeySegment(std::string_view key) {
  const bool plain = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (plain) return "." + std::string(key);
  std::string quoted;
  AppendQuoted(IsValidUtf8(key) ? key : "<invalid UTF-8>", quoted);
  return "[" + quoted + "]";
}

std::string IndexSegment(std::size_t index) { return "[" + std::to_string(index) + "]"; }

std::string DepthMessage(const std::string& path) {
  return "nesting deeper than " + std::to_string(kMaxDepth) + " levels at " + path;
}

class Writer {
 public:
  Status Write(const Json& value) {
    if (path_.size() > kMaxDepth) return Error::BadInput(DepthMessage(Path()));
    switch (value.type()) {
      case Json::value_t::null:
        out_ += "null";
        return OkStatus();
      case Json::value_t::boolean:
        out_ += value.get<bool>() ? "true" : "false";
        return OkStatus();
      case Json::value_t::number_integer:
        AppendQuoted(std::to_string(value.get<std::int64_t>()), out_);
        return OkStatus();
      case Json::value_t::number_unsigned:
        AppendQuoted(std::to_string(value.get<std::uint64_t>()), out_);
        return OkStatus();
      case Json::value_t::number_float:
        return Error::BadInput("float at " + Path() +
                               ": qos canonical JSON has only integers, written as strings");
      case Json::value_t::string: {
        const auto& text = value.get_ref<const Json::string_t&>();
        if (!IsValidUtf8(text)) return Error::BadInput("string at " + Path() + " is not UTF-8");
        AppendQuoted(text, out_);
        return OkStatus();
      }
      case Json::value_t::binary:
        AppendQuoted(HexEncode(value.get_binary()), out_);
        return OkStatus();
      case Json::value_t::array:
        return WriteArray(value);
      case Json::value_t::object:
        return WriteObject(value);
      case Json::value_t::discarded:
        break;
    }
    return Error::BadInput("discarded value at " + Path());
  }

  std::string Take() { return std::move(out_); }

 private:
  Status WriteArray(const Json& array) {
    out_.push_back('[');
    std::size_t index = 0;
    for (const Json& element : array) {
      if (index > 0) out_.push_back(',');
      path_.push_back(IndexSegment(index++));
      VIGIL_RETURN_IF_ERROR(Write(element));
      path_.pop_back();
    }
    out_.push_back(']');
    return OkStatus();
  }

  Status WriteObject(const Json& object) {
    std::vector<std::pair<const std::string*, const Json*>> members;
    for (const auto& [key, member] : object.get_ref<const Json::object_t&>()) {
      if (!IsValidUtf8(key)) return Error::BadInput("key at " + Path() + " is not UTF-8");
      if (member.is_null()) continue;  // qos omits absent optional fields
      members.emplace_back(&key, &member);
    }
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return CompareUtf16(*a.first, *b.first) < 0; });
    out_.push_back('{');
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out_.push_back(',');
      AppendQuoted(*members[i].first, out_);
      out_.push_back(':');
      path_.push_back(KeySegment(*members[i].first));
      VIGIL_RETURN_IF_ERROR(Write(*members[i].second));
      path_.pop_back();
    }
    out_.push_back('}');
    return OkStatus();
  }

  std::string Path() const {
    std::string path = "$";
    for (const std::string& segment : path_) path += segment;
    return path;
  }

  std::string out_;
  std::vector<std::string> path_;
};

// Builds the value from nlohmann's SAX events and refuses, as they arrive, everything the
// canonical form cannot contain; what is left (whitespace, escapes) the caller catches by
// serialising the result again.
class CanonicalSax : public nlohmann::json_sax<Json> {
 public:
  bool null() override {
    if (!frames_.empty() && frames_.back().container->is_object()) {
      if (!Enter()) return false;
      return Fail("null member at " + Path() + " (the canonical form omits null members)");
    }
    return Add(Json());
  }
  bool boolean(bool value) override { return Add(Json(value)); }
  bool number_integer(number_integer_t value) override {
    if (!Enter()) return false;
    return Fail("number at " + Path() + ": integers are written as decimal strings (\"" +
                std::to_string(value) + "\")");
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (!Enter()) return false;
    return Fail("number at " + Path() + ": integers are written as decimal strings (\"" +
                std::to_string(value) + "\")");
  }
  bool number_float(number_float_t /*value*/, const string_t& text) override {
    if (!Enter()) return false;
    return Fail("number " + text + " at " + Path() + ": floats are not allowed");
  }
  bool string(string_t& value) override { return Add(Json(std::move(value))); }
  bool binary(binary_t& value) override { return Add(Json::binary(std::move(value))); }

  bool start_object(std::size_t /*elements*/) override { return Open(Json::object()); }
  bool start_array(std::size_t /*elements*/) override { return Open(Json::array()); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }

  bool key(string_t& name) override {
    Frame& frame = frames_.back();
    const std::string previous = std::move(frame.key);
    frame.segment = KeySegment(name);
    frame.key = name;
    if (frame.has_key) {
      const int order = CompareUtf16(name, previous);
      if (order == 0 || (order < 0 && frame.container->contains(name))) {
        return Fail("duplicate key at " + Path());
      }
      if (order < 0) {
        std::string quoted;
        AppendQuoted(previous, quoted);
        return Fail("keys out of order at " + Path() + ": it comes after " + quoted +
                    " but sorts before it (keys are sorted by UTF-16 code units)");
      }
    }
    frame.has_key = true;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::json::exception& error) override {
    return Fail(encoding::DescribeJsonParseError(position, error));
  }

  Json TakeRoot() { return std::move(root_); }
  const std::string& error() const { return error_; }

 private:
  struct Frame {
    Json* container;
    std::size_t next_index = 0;  // arrays: index of the next element
    std::string key;             // objects: the current member's key
    bool has_key = false;
    std::string segment;  // path segment of the current element or member
  };

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  // Places `value` in the current container (or at the root) and returns where it went.
  Json* Place(Json value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = frames_.back();
    if (frame.container->is_array()) {
      frame.container->push_back(std::move(value));
      return &frame.container->back();
    }
    auto& object = frame.container->get_ref<Json::object_t&>();
    return &object.insert_or_assign(frame.key, std::move(value)).first->second;
  }

  // Checks depth and sets the path segment of a value about to be placed.
  bool Enter() {
    if (!frames_.empty() && frames_.back().container->is_array()) {
      frames_.back().segment = IndexSegment(frames_.back().next_index++);
    }
    if (frames_.size() > kMaxDepth) return Fail(DepthMessage(Path()));
    return true;
  }

  bool Add(Json value) {
    if (!Enter()) return false;
    Place(std::move(value));
    return true;
  }

  bool Open(Json container) {
    if (!Enter()) return false;
    frames_.push_back(Frame{Place(std::move(container))});
    return true;
  }

  bool Close() {
    frames_.pop_back();
    return true;
  }

  std::string Path() const {
    std::string path = "$";
    for (const Frame& frame : frames_) path += frame.segment;
    return path;
  }

  Json root_;
  std::vector<Frame> frames_;
  std::string error_;
};

// Names the first byte where `text` differs from its canonical form `canonical`.
std::string DescribeDifference(std::string_view text, std::string_view canonical) {
  const auto mismatch = std::mismatch(text.begin(), text.end(), canonical.begin(), canonical.end());
  const auto offset = static_cast<std::size_t>(mismatch.first - text.begin());
  const std::string at = " at byte " + std::to_string(offset);
  if (mismatch.first == text.end()) return "not canonical: text ends early" + at;
  const char c = *mismatch.first;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "not canonical: whitespace" + at;
  if (offset == 0 && text.substr(0, 3) == "\xef\xbb\xbf") {
    return "not canonical: byte-order mark" + at;
  }
  return "not canonical: string escape" + at +
         " (only \" \\ and control characters are escaped, as \\b \\f \\n \\r \\t or "
         "lowercase \\u00xx)";
}

}  // namespace

Result<std::string> Serialize(const Json& value) {
  Writer writer;
  VIGIL_RETURN_IF_ERROR(writer.Write(value));
  return writer.Take();
}

Result<Json> ParseCanonical(std::string_view text) {
  if (text.size() > kMaxTextSize) {
    return Error::BadInput("canonical JSON of " + std::to_string(text.size()) +
                           " bytes exceeds the " + std::to_string(kMaxTextSize) + "-byte limit");
  }
  CanonicalSax sax;
  bool parsed = false;
  try {
    parsed = Json::sax_parse(text.begin(), text.end(), &sax, Json::input_format_t::json,
                             /*strict=*/true, /*ignore_comments=*/false);
  } catch (const Json::exception& e) {
    return Error::BadInput(std::string("invalid JSON: ") + e.what());
  }
  if (!parsed) {
    return Error::BadInput(sax.error().empty() ? "invalid JSON" : sax.error());
  }
  Json value = sax.TakeRoot();
  VIGIL_ASSIGN_OR_RETURN(std::string canonical, Serialize(value));
  if (canonical != text) return Error::BadInput(DescribeDifference(text, canonical));
  return value;
}

}  // namespace vigil::quorum::qos_json
