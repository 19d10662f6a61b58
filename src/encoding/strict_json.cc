#include "encoding/strict_json.h"

#include <set>
#include <vector>

#include "base/printable.h"

namespace vigil::encoding {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxQuotedKey = 64;

bool IsIdentifier(const std::string& key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The key as it appears in a message: quoted, cut at kMaxQuotedKey bytes. The caller's
// error report escapes what a terminal would interpret.
// A key from the input, for a message: JSON lets a key hold DEL and C1 controls unescaped,
// and a cut may split a UTF-8 sequence, so it goes through Printable.
std::string Quoted(const std::string& key) {
  if (key.size() <= kMaxQuotedKey) return "\"" + Printable(key) + "\"";
  return "\"" + Printable(std::string_view(key).substr(0, kMaxQuotedKey)) + "...\"";
}

// Builds the value with nlohmann's own DOM builder, checking each event first: a key already
// seen in its object, or a container deeper than the limit, stops the parse.
class StrictSax : public nlohmann::json_sax<Json> {
 public:
  StrictSax(Json& root, std::size_t max_depth)
      : dom_(root, /*allow_exceptions_=*/false), max_depth_(max_depth) {}

  bool null() override { return Element() && dom_.null(); }
  bool boolean(bool value) override { return Element() && dom_.boolean(value); }
  bool number_integer(number_integer_t value) override {
    return Element() && dom_.number_integer(value);
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Element() && dom_.number_unsigned(value);
  }
  bool number_float(number_float_t value, const string_t& text) override {
    return Element() && dom_.number_float(value, text);
  }
  bool string(string_t& value) override { return Element() && dom_.string(value); }
  bool binary(binary_t& value) override { return Element() && dom_.binary(value); }

  bool start_object(std::size_t elements) override {
    if (!Element() || !Open(true)) return false;
    return dom_.start_object(elements);
  }
  bool start_array(std::size_t elements) override {
    if (!Element() || !Open(false)) return false;
    return dom_.start_array(elements);
  }
  bool end_object() override {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool end_array() override {
    frames_.pop_back();
    return dom_.end_array();
  }

  bool key(string_t& name) override {
    Frame& frame = frames_.back();
    if (!frame.keys.insert(name).second) {
      error_ = "the key " + Quoted(name) + " appears twice in the object at " + Path(false) +
               " (a JSON object's keys must be distinct)";
      return false;
    }
    frame.segment = IsIdentifier(name) ? "." + name : "[" + Quoted(name) + "]";
    return dom_.key(name);
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override {
    if (error_.empty()) error_ = DescribeJsonParseError(position, error);
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;  // objects: the keys seen so far
    std::size_t elements = 0;    // arrays: how many elements so far
    std::string segment;         // the path segment of the current member or element
  };

  // A value is about to be placed: count it in its array.
  bool Element() {
    if (!frames_.empty() && !frames_.back().object) {
      Frame& frame = frames_.back();
      frame.segment = "[" + std::to_string(frame.elements++) + "]";
    }
    return true;
  }

  bool Open(bool object) {
    if (frames_.size() >= max_depth_) {
      error_ = "nesting deeper than " + std::to_string(max_depth_) + " levels at " + Path(true) +
               " (the limit for this document)";
      return false;
    }
    frames_.push_back(Frame{object, {}, 0, {}});
    return true;
  }

  // The path of the innermost open container ($ for the root), or with `current` of its
  // current member or element.
  std::string Path(bool current) const {
    std::string path = "$";
    const std::size_t count = current ? frames_.size() : frames_.size() - 1;
    for (std::size_t i = 0; i < count; ++i) path += frames_[i].segment;
    return path;
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  std::size_t max_depth_;
  std::vector<Frame> frames_;
  std::string error_;
};

}  // namespace

std::string DescribeJsonParseError(std::size_t position, const nlohmann::json::exception& error) {
  // Keep nlohmann's description ("parsing value - invalid string: ...") but nothing from its
  // "; last read: '...'" excerpt on: the excerpt echoes the input (which may be secret, or
  // not UTF-8) and may itself contain "; ". The excerpt is quoted, so only nlohmann's own
  // text can end the message with "expected end of input".
  std::string what = error.what();
  constexpr std::string_view kTrailing = "; expected end of input";
  const bool trailing =
      what.size() >= kTrailing.size() &&
      what.compare(what.size() - kTrailing.size(), kTrailing.size(), kTrailing) == 0;
  if (trailing) {
    return "trailing bytes after the JSON value, near byte " + std::to_string(position);
  }
  constexpr std::string_view kIntro = "syntax error while ";
  if (const std::size_t start = what.find(kIntro); start != std::string::npos) {
    what = what.substr(start + kIntro.size());
  }
  if (const std::size_t excerpt = what.find("; last read: "); excerpt != std::string::npos) {
    what.erase(excerpt);
  }
  return "invalid JSON near byte " + std::to_string(position) + ": " + what;
}

Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what,
                                       std::size_t max_depth) {
  // nlohmann reads a NUL as the end of the input: "{...}\0anything" would parse.
  if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return Error::BadInput(std::string(what) + " holds a NUL byte at byte " + std::to_string(nul) +
                           " (not allowed anywhere in JSON text)");
  }
  Json root;
  StrictSax sax(root, max_depth);
  const bool ok = Json::sax_parse(text, &sax, nlohmann::json::input_format_t::json,
                                  /*strict=*/true, /*ignore_comments=*/false);
  if (!ok) {
    std::string message = sax.error();
    if (message.empty()) message = "invalid JSON";
    return Error::BadInput(std::string(what) + ": " + message);
  }
  return root;
}

}  // namespace vigil::encoding
