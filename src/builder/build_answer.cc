#include "builder/build_answer.h"

#include <array>
#include <nlohmann/json.hpp>

#include "base/printable.h"
#include "encoding/strict_json.h"

namespace vigil::builder {
namespace {

// std::map-backed: keys come out sorted, so dump() is the canonical form.
using Json = nlohmann::json;

constexpr std::size_t kMaxBuildId = 128;  // the ledger's bound on a build id

Error Refused(std::string_view what) {
  return Error::BadInput("the builder's answer: " + std::string(what));
}

// The start of an unknown line, safe to print.
std::string Shown(std::string_view line) { return Printable(line.substr(0, 40)); }

bool IsBuildId(std::string_view id) {
  return !id.empty() && id.size() <= kMaxBuildId &&
         id.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
             std::string_view::npos;
}

Json ToJson(const BuildResult& result) {
  return Json{{"build_id", result.build_id},
              {"component", result.component},
              {"version", result.version},
              {"commit", result.commit},
              {"ledger_index", result.ledger_index},
              {"published", result.published},
              {"key_id", result.key_id}};
}

Result<BuildResult> ParseResult(std::string_view text) {
  auto json = encoding::ParseStrictJson(text, "the result", /*max_depth=*/1);
  if (!json.ok()) return Refused(json.error().message());
  if (!json->is_object() || json->size() != 7) {
    return Refused(
        "the result must be an object with exactly the members build_id, commit, "
        "component, key_id, ledger_index, published and version");
  }
  BuildResult result;
  const std::array<std::pair<const char*, std::string*>, 6> strings{{
      {"build_id", &result.build_id},
      {"component", &result.component},
      {"version", &result.version},
      {"commit", &result.commit},
      {"published", &result.published},
      {"key_id", &result.key_id},
  }};
  for (const auto& [key, field] : strings) {
    auto found = json->find(key);
    if (found == json->end() || !found->is_string()) {
      return Refused(std::string("the result's \"") + key + "\" must be a string");
    }
    *field = found->get<std::string>();
    if (field->size() > kMaxBuildAnswerField) {
      return Refused(std::string("the result's \"") + key + "\" is longer than " +
                     std::to_string(kMaxBuildAnswerField) + " bytes");
    }
  }
  auto index = json->find("ledger_index");
  if (index == json->end() || !index->is_number_unsigned()) {
    return Refused("the result's \"ledger_index\" must be an unsigned integer");
  }
  result.ledger_index = index->get<std::uint64_t>();
  if (!IsBuildId(result.build_id)) return Refused("the result's \"build_id\" is not a build id");
  // One spelling per value, so that what is read is what the builder meant.
  if (BuildResultJson(result) != text) return Refused("the result is not canonical JSON");
  return result;
}

}  // namespace

std::string FormatBuildStarted(std::string_view build_id) {
  return "build " + std::string(build_id) + "\n";
}

std::string FormatBuildLog(std::string_view text) { return "log " + std::string(text) + "\n"; }

std::string FormatBuildResult(const BuildResult& result) {
  return "result " + BuildResultJson(result) + "\n";
}

std::string BuildResultJson(const BuildResult& result, int indent) {
  // Invalid UTF-8 (a path can hold any bytes) is replaced rather than thrown on.
  return ToJson(result).dump(indent, ' ', false, Json::error_handler_t::replace);
}

Result<BuildAnswerLine> ParseBuildAnswerLine(std::string_view line) {
  if (line.starts_with("log ")) {
    return BuildAnswerLine{BuildAnswerLine::Kind::kLog, std::string(line.substr(4)), {}};
  }
  if (line.starts_with("build ")) {
    const std::string_view id = line.substr(6);
    if (!IsBuildId(id)) {
      return Refused("invalid build id '" + Shown(id) + "': 1-128 of A-Z a-z 0-9 . _ -");
    }
    return BuildAnswerLine{BuildAnswerLine::Kind::kBuild, std::string(id), {}};
  }
  if (line.starts_with("result ")) {
    VIGIL_ASSIGN_OR_RETURN(BuildResult result, ParseResult(line.substr(7)));
    return BuildAnswerLine{BuildAnswerLine::Kind::kResult, {}, std::move(result)};
  }
  return Refused("unknown line '" + Shown(line) +
                 "': expected `build ID`, `log TEXT` or "
                 "`result JSON`");
}

Result<std::optional<BuildAnswerLine>> BuildAnswerReader::Next() {
  auto line = lines_.Next();
  if (!line) return std::optional<BuildAnswerLine>();
  if (line->cut && !line->text.starts_with("log ")) {
    return Refused("a line longer than " + std::to_string(kMaxBuildAnswerLine) + " bytes");
  }
  VIGIL_ASSIGN_OR_RETURN(BuildAnswerLine parsed, ParseBuildAnswerLine(line->text));
  return std::optional<BuildAnswerLine>(std::move(parsed));
}

}  // namespace vigil::builder
