// What the gateway shows anyone (docs/SPEC-gateway.md, "Notifications"):
//   GET /status.json, /status   each component: its newest build in testing (version,
//                               commit, days in testing) and in current, and its last event
//   GET /feed.atom              an Atom feed (RFC 4287): one entry per verdict record,
//                               newest first, rejections included
// Read from the channels' metadata and the verdict records; nothing secret is in either.
#pragma once

#include <string>

#include "base/result.h"
#include "gateway/delivery_store.h"
#include "http/server.h"

namespace vigil::gateway {

class Channels;

// `text` with & < > " ' as XML character references.
std::string EscapeXml(std::string_view text);

class StatusPage {
 public:
  // `channels` may be null (no channels: components come from the records only).
  StatusPage(DeliveryStore& store, const Channels* channels, std::string feed_id);
  void AddRoutes(http::Server& server);

  // The status as JSON text, and the feed as Atom XML.
  Result<std::string> StatusJson() const;
  Result<std::string> Feed() const;

 private:
  DeliveryStore& store_;
  const Channels* channels_;
  std::string feed_id_;
};

}  // namespace vigil::gateway
