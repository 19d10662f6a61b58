#include "gateway/status_page.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "crypto/hash.h"
#include "gateway/channels.h"
#include "tuf/repository.h"

namespace vigil::gateway {
namespace {

using Json = nlohmann::json;

constexpr std::size_t kFeedEntries = 100;
constexpr std::size_t kEventsScanned = 1000;

// The newest build of each component in `channel` (build ids sort by time), with its custom
// metadata.
Result<std::map<std::string, std::map<std::string, std::string>>> NewestBuilds(
    const Channels& channels, const std::string& channel) {
  VIGIL_ASSIGN_OR_RETURN(tuf::Targets targets,
                         tuf::RoleTargets(channels.config().repository, channel));
  std::map<std::string, std::map<std::string, std::string>> newest;
  for (const auto& [path, file] : targets.targets) {
    auto found = file.custom.find("component");
    auto build = file.custom.find("build_id");
    if (found == file.custom.end() || build == file.custom.end()) continue;
    auto& slot = newest[found->second];
    if (slot.empty() || slot["build_id"] < build->second) slot = file.custom;
  }
  return newest;
}

Json ChannelEntry(const std::map<std::string, std::string>& custom, std::int64_t now,
                  bool testing) {
  Json entry{{"version", custom.count("build_id") ? custom.at("build_id") : ""},
             {"commit", custom.count("commit") ? custom.at("commit") : ""},
             {"published", custom.count("published") ? custom.at("published") : ""}};
  auto published = ParseRfc3339UtcSeconds(entry["published"].get<std::string>());
  if (testing && published) {
    entry["days_in_testing"] = (now - *published) / 86400;
  }
  if (custom.count("promotion_index")) entry["promotion_index"] = custom.at("promotion_index");
  return entry;
}

std::string Title(const Json& record) {
  std::string title = record.value("kind", "event");
  const std::string component = record.value("component", "");
  if (!component.empty()) title += " " + component;
  const std::string line = record.value("line", "");
  if (!line.empty()) title += " (" + line + ")";
  return title + ": " + record.value("verdict", "recorded");
}

}  // namespace

std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

StatusPage::StatusPage(DeliveryStore& store, const Channels* channels, std::string feed_id)
    : store_(store), channels_(channels), feed_id_(std::move(feed_id)) {}

Result<std::string> StatusPage::StatusJson() const {
  const std::int64_t now = std::time(nullptr);
  Json components = Json::object();
  if (channels_ != nullptr) {
    for (const char* channel : {tuf::kTestingRole, tuf::kCurrentRole}) {
      VIGIL_ASSIGN_OR_RETURN(auto newest, NewestBuilds(*channels_, channel));
      for (const auto& [component, custom] : newest) {
        components[component][channel] =
            ChannelEntry(custom, now, std::string(channel) == tuf::kTestingRole);
      }
    }
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<PendingRecord> records, store_.NewestRecords(kEventsScanned));
  for (const PendingRecord& record : records) {
    const Json event = Json::parse(record.body, nullptr, false);
    const std::string component = event.is_object() ? event.value("component", "") : "";
    if (component.empty() || components[component].contains("last_event")) continue;
    components[component]["last_event"] = {{"kind", event.value("kind", "")},
                                           {"verdict", event.value("verdict", "")},
                                           {"time", event.value("time", "")}};
  }
  return Json{{"components", components}, {"updated", FormatRfc3339UtcSeconds(now)}}.dump(
      2, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> StatusPage::Feed() const {
  VIGIL_ASSIGN_OR_RETURN(std::vector<PendingRecord> records, store_.NewestRecords(kFeedEntries));
  std::string entries;
  std::string updated = FormatRfc3339UtcSeconds(0);
  for (const PendingRecord& record : records) {
    const Json event = Json::parse(record.body, nullptr, false);
    if (!event.is_object()) continue;
    const std::string time = event.value("time", FormatRfc3339UtcSeconds(0));
    if (updated < time) updated = time;
    entries +=
        "  <entry>\n    <title>" + EscapeXml(Title(event)) + "</title>\n    <id>urn:vigil:record:" +
        crypto::Sha256Hex(crypto::Sha256(AsBytes(record.record_id))) + "</id>\n    <updated>" +
        EscapeXml(time) + "</updated>\n    <content type=\"text\">" + EscapeXml(record.body) +
        "</content>\n  </entry>\n";
  }
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
         "  <title>vigil-gateway: builds, commands and verdicts</title>\n"
         "  <id>" +
         EscapeXml(feed_id_) +
         "</id>\n"
         "  <updated>" +
         updated +
         "</updated>\n"
         "  <author><name>vigil-gateway</name></author>\n"
         "  <link rel=\"self\" href=\"/feed.atom\"/>\n" +
         entries + "</feed>\n";
}

void StatusPage::AddRoutes(http::Server& server) {
  auto serve = [](http::Response& response, const Result<std::string>& body,
                  const std::string& type) {
    if (!body.ok()) {
      response.status = 503;
      response.SetContent(body.error().message() + "\n", "text/plain");
      return;
    }
    response.SetContent(*body, type);
  };
  server.Get("/status.json", [this, serve](const http::Request&, http::Response& response) {
    serve(response, StatusJson(), "application/json");
  });
  server.Get("/feed.atom", [this, serve](const http::Request&, http::Response& response) {
    serve(response, Feed(), "application/atom+xml");
  });
  server.Get("/status", [this, serve](const http::Request&, http::Response& response) {
    Result<std::string> status = StatusJson();
    if (!status.ok()) return serve(response, status, "");
    serve(response,
          "<!doctype html>\n<meta charset=\"utf-8\">\n<title>vigil-gateway status</title>\n"
          "<h1>vigil-gateway</h1>\n<p><a href=\"/feed.atom\">Atom feed</a> · "
          "<a href=\"/status.json\">JSON</a></p>\n<pre>" +
              EscapeXml(*status) + "</pre>\n",
          "text/html; charset=utf-8");
  });
}

}  // namespace vigil::gateway
