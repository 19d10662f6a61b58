#include "base/printable.h"

#include <cstdint>
#include <cstdio>

#include "base/utf8.h"

namespace vigil {
namespace {

void AppendEscaped(std::string& out, unsigned char byte) {
  char buf[5];
  std::snprintf(buf, sizeof(buf), "\\x%02x", byte);
  out += buf;
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char32_t code_point = 0;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
      ++i;
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x80) {
      AppendEscaped(out, c);  // C0 controls and DEL
      ++i;
    } else if (std::size_t length = DecodeUtf8(text.substr(i), code_point); length == 0) {
      AppendEscaped(out, c);
      ++i;
    } else if (code_point < 0xa0) {
      AppendEscaped(out, c);  // a C1 control, U+0080..U+009F (0x9b is CSI on some terminals)
      AppendEscaped(out, static_cast<unsigned char>(text[i + 1]));
      i += 2;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string PrintableLines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t start = 0;;) {
    std::size_t end = text.find('\n', start);
    out += Printable(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    out.push_back('\n');
    start = end + 1;
  }
}

}  // namespace vigil
