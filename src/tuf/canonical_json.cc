#include "tuf/canonical_json.h"

namespace vigil::tuf {
namespace {}  // namespace

Status AppendCanonicalString(const std::string& text, std::string& out) {
  const std::size_t start = out.size();
  out += '"';
  std::size_t run = 0;  // the start of the bytes not yet appended
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < 0x20 || c > 0x7e) {
      out.resize(start);
      return Error::BadInput("canonical JSON: a string holds a byte outside printable ASCII");
    }
    if (c == '"' || c == '\\') {
      out.append(text, run, i - run);
      out += '\\';
      run = i;
    }
  }
  out.append(text, run, std::string::npos);
  out += '"';
  return OkStatus();
}

namespace {

Status AppendString(const std::string& text, std::string& out) {
  return AppendCanonicalString(text, out);
}

Status Append(const nlohmann::json& value, std::string& out) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return OkStatus();
    case nlohmann::json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return OkStatus();
    case nlohmann::json::value_t::number_integer:
      out += std::to_string(value.get<std::int64_t>());
      return OkStatus();
    case nlohmann::json::value_t::number_unsigned:
      out += std::to_string(value.get<std::uint64_t>());
      return OkStatus();
    case nlohmann::json::value_t::string:
      return AppendString(value.get_ref<const std::string&>(), out);
    case nlohmann::json::value_t::array: {
      out += '[';
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ',';
        VIGIL_RETURN_IF_ERROR(Append(value[i], out));
      }
      out += ']';
      return OkStatus();
    }
    case nlohmann::json::value_t::object: {
      // nlohmann::json keeps an object's keys in std::map order: byte order, which for
      // printable ASCII is the code-unit order JavaScript sorts by.
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ',';
        first = false;
        VIGIL_RETURN_IF_ERROR(AppendString(key, out));
        out += ':';
        VIGIL_RETURN_IF_ERROR(Append(item, out));
      }
      out += '}';
      return OkStatus();
    }
    default:
      return Error::BadInput("canonical JSON: floats and binary values have no canonical form");
  }
}

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  VIGIL_RETURN_IF_ERROR(Append(value, out));
  return out;
}

}  // namespace vigil::tuf
