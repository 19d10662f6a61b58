// Webhook deliveries from code hosts (docs/SPEC-gateway.md). The provider is the one the
// path names (/hooks/github, /hooks/gitlab, /hooks/gitea, /hooks/forgejo), never guessed
// from headers (Gitea also sends GitHub's). The signature or token is checked over the raw
// body, in constant time, before anything is parsed; only an authenticated delivery is
// read, and what it asks for is one of: build this commit, ignore, or reject with a reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "http/message_head.h"

namespace vigil::gateway {

enum class Provider { kGitHub, kGitLab, kGitea, kForgejo };

// "/hooks/github" -> kGitHub, ...; nullopt for any other path.
std::optional<Provider> ProviderFromPath(std::string_view path);
std::string_view ProviderName(Provider provider);

// GitHub's largest payload is 25 MB; the gateway takes a little more.
inline constexpr std::size_t kMaxDeliveryBytes = 26 * 1024 * 1024;
inline constexpr std::size_t kMaxDeliveryIdBytes = 128;

struct Authenticated {
  std::string delivery_id;  // the provider's id, the same on a redelivery
  std::string event;        // the provider's event name ("push", "Push Hook")
};

// Failed, naming what is missing or wrong (the gateway answers 401): GitHub's
// X-Hub-Signature-256 "sha256=HEX", Gitea's X-Gitea-Signature and Forgejo's
// X-Forgejo-Signature (bare hex), each HMAC-SHA256 of the body under `secret`; GitLab's
// X-Gitlab-Token equal to `secret`. Then the delivery id (X-GitHub-Delivery;
// Idempotency-Key, else X-Gitlab-Event-UUID; X-Gitea-Delivery; X-Forgejo-Delivery) and the
// event header must be present, printable and bounded.
Result<Authenticated> Authenticate(Provider provider, const http::Fields& fields, ByteView body,
                                   ByteView secret);

// What an authenticated delivery asks for.
struct Request {
  enum class Kind { kBuild, kCommand, kIgnored, kRejected };
  Kind kind = Kind::kIgnored;
  std::string repository;  // "owner/name" as the provider names it
  std::string ref;         // "refs/heads/main", "refs/tags/v1"
  std::string commit;      // 40 lowercase hex
  std::string reason;      // why ignored or rejected
  std::string command;     // kCommand: the clear-signed message found in a comment
};

// A push (or tag push) that names a repository, a ref and a new commit asks for a build; a
// new comment (GitHub, Gitea, Forgejo: issue_comment "created"; GitLab: Note Hook) holding a
// clear-signed message carries a maintainer's command; a ping and events the gateway does
// not act on are ignored; a body that is not JSON or lacks those fields is rejected, with
// the reason.
Request ReadRequest(Provider provider, const std::string& event, std::string_view body);

}  // namespace vigil::gateway
