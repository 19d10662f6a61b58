#include "gateway/webhook.h"

#include <array>

#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/hkdf.h"
#include "crypto/secret.h"
#include "encoding/strict_json.h"

namespace vigil::gateway {
namespace {

using Kind = Request::Kind;

constexpr std::array<std::string_view, 4> kNames = {"github", "gitlab", "gitea", "forgejo"};

bool Printable(std::string_view text, std::size_t max) {
  if (text.empty() || text.size() > max) return false;
  for (char c : text) {
    if (c <= 0x20 || c > 0x7e) return false;
  }
  return true;
}

bool LowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The first of `names` present in the head.
const std::string* FirstField(const http::Fields& fields,
                              std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (const std::string* value = fields.Find(name)) return value;
  }
  return nullptr;
}

Status CheckMac(const std::string* header, std::string_view name, std::string_view prefix,
                ByteView body, ByteView secret) {
  if (header == nullptr) return Error::Failed("no " + std::string(name) + " header");
  if (header->rfind(prefix, 0) != 0) {
    return Error::Failed(std::string(name) + " is not " + std::string(prefix) + "HEX");
  }
  Result<Bytes> claimed = HexDecode(std::string_view(*header).substr(prefix.size()));
  if (!claimed.ok() || claimed->size() != 32) {
    return Error::Failed(std::string(name) + " is not 64 hex digits");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes expected, crypto::HmacSha256(secret, body));
  if (!crypto::ConstantTimeEqual(expected.view(), *claimed)) {
    return Error::Failed(std::string(name) + " does not match the body under this secret");
  }
  return OkStatus();
}

Status CheckToken(const std::string* header, ByteView secret) {
  if (header == nullptr) return Error::Failed("no X-Gitlab-Token header");
  // Compared as digests, so neither the length nor a prefix of the secret leaks.
  const crypto::Sha256Digest given = crypto::Sha256(AsBytes(*header));
  const crypto::Sha256Digest expected = crypto::Sha256(secret);
  if (!crypto::ConstantTimeEqual(given, expected)) {
    return Error::Failed("X-Gitlab-Token is not this hook's secret");
  }
  return OkStatus();
}

}  // namespace

std::optional<Provider> ProviderFromPath(std::string_view path) {
  constexpr std::string_view kPrefix = "/hooks/";
  if (path.rfind(kPrefix, 0) != 0) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (path == kNames[i]) return static_cast<Provider>(i);
  }
  return std::nullopt;
}

std::string_view ProviderName(Provider provider) { return kNames[static_cast<int>(provider)]; }

Result<Authenticated> Authenticate(Provider provider, const http::Fields& fields, ByteView body,
                                   ByteView secret) {
  const std::string* delivery = nullptr;
  const std::string* event = nullptr;
  switch (provider) {
    case Provider::kGitHub:
      VIGIL_RETURN_IF_ERROR(CheckMac(fields.Find("x-hub-signature-256"), "X-Hub-Signature-256",
                                     "sha256=", body, secret));
      delivery = fields.Find("x-github-delivery");
      event = fields.Find("x-github-event");
      break;
    case Provider::kGitLab:
      VIGIL_RETURN_IF_ERROR(CheckToken(fields.Find("x-gitlab-token"), secret));
      delivery = FirstField(fields, {"idempotency-key", "x-gitlab-event-uuid"});
      event = fields.Find("x-gitlab-event");
      break;
    case Provider::kGitea:
      VIGIL_RETURN_IF_ERROR(
          CheckMac(fields.Find("x-gitea-signature"), "X-Gitea-Signature", "", body, secret));
      delivery = fields.Find("x-gitea-delivery");
      event = fields.Find("x-gitea-event");
      break;
    case Provider::kForgejo:
      VIGIL_RETURN_IF_ERROR(
          CheckMac(fields.Find("x-forgejo-signature"), "X-Forgejo-Signature", "", body, secret));
      delivery = fields.Find("x-forgejo-delivery");
      event = fields.Find("x-forgejo-event");
      break;
  }
  if (delivery == nullptr || !Printable(*delivery, kMaxDeliveryIdBytes)) {
    return Error::Failed("no usable delivery id (printable, at most 128 bytes)");
  }
  // GitLab's event names hold spaces ("Push Hook").
  if (event == nullptr || event->empty() || event->size() > 64) {
    return Error::Failed("no event header");
  }
  return Authenticated{.delivery_id = *delivery, .event = *event};
}

namespace {

// A comment event's clear-signed message: from its BEGIN line to the END line, or ignored.
Request ReadComment(bool gitlab, const nlohmann::json& v) {
  const char* repo_object = gitlab ? "project" : "repository";
  const char* repo_key = gitlab ? "path_with_namespace" : "full_name";
  const nlohmann::json* text = nullptr;
  if (gitlab) {
    if (v.contains("object_attributes") && v["object_attributes"].is_object()) {
      text = &v["object_attributes"]["note"];
    }
  } else {
    if (!v.contains("action") || v["action"] != "created") {
      return Request{.kind = Kind::kIgnored, .reason = "a comment that was not just created"};
    }
    if (v.contains("comment") && v["comment"].is_object()) text = &v["comment"]["body"];
  }
  if (text == nullptr || !text->is_string() || !v.contains(repo_object) ||
      !v[repo_object].is_object() || !v[repo_object].contains(repo_key) ||
      !v[repo_object][repo_key].is_string()) {
    return Request{
        .kind = Kind::kRejected,
        .reason = std::string("a comment without its text or ") + repo_object + "." + repo_key};
  }
  const std::string& comment = text->get_ref<const std::string&>();
  const std::size_t begin = comment.find("-----BEGIN PGP SIGNED MESSAGE-----");
  constexpr std::string_view kEnd = "-----END PGP SIGNATURE-----";
  const std::size_t end = begin == std::string::npos ? begin : comment.find(kEnd, begin);
  if (end == std::string::npos) {
    return Request{.kind = Kind::kIgnored, .reason = "a comment without a signed command"};
  }
  Request request{.kind = Kind::kCommand};
  request.repository = v[repo_object][repo_key].get<std::string>();
  if (!Printable(request.repository, 256)) {
    return Request{.kind = Kind::kRejected, .reason = "a repository that is not printable"};
  }
  request.command = comment.substr(begin, end + kEnd.size() - begin);
  return request;
}

}  // namespace

Request ReadRequest(Provider provider, const std::string& event, std::string_view body) {
  const bool gitlab = provider == Provider::kGitLab;
  const bool push = gitlab ? (event == "Push Hook" || event == "Tag Push Hook") : event == "push";
  const bool comment = gitlab ? event == "Note Hook" : event == "issue_comment";
  if (!push && !comment) return Request{.kind = Kind::kIgnored, .reason = "event " + event};
  if (comment) {
    Result<nlohmann::json> parsed = encoding::ParseStrictJson(body, "the delivery", 64);
    if (!parsed.ok()) return Request{.kind = Kind::kRejected, .reason = parsed.error().message()};
    if (!parsed->is_object()) return Request{.kind = Kind::kRejected, .reason = "not an object"};
    return ReadComment(gitlab, *parsed);
  }
  Result<nlohmann::json> parsed = encoding::ParseStrictJson(body, "the delivery", 64);
  if (!parsed.ok()) return Request{.kind = Kind::kRejected, .reason = parsed.error().message()};
  const nlohmann::json& v = *parsed;
  Request request{.kind = Kind::kBuild};
  const char* repo_object = gitlab ? "project" : "repository";
  const char* repo_key = gitlab ? "path_with_namespace" : "full_name";
  if (!v.is_object() || !v.contains(repo_object) || !v[repo_object].is_object() ||
      !v[repo_object].contains(repo_key) || !v[repo_object][repo_key].is_string() ||
      !v.contains("ref") || !v["ref"].is_string() || !v.contains("after") ||
      !v["after"].is_string()) {
    return Request{.kind = Kind::kRejected,
                   .reason = std::string("a push without ") + repo_object + "." + repo_key +
                             ", ref and after"};
  }
  request.repository = v[repo_object][repo_key].get<std::string>();
  request.ref = v["ref"].get<std::string>();
  request.commit = v["after"].get<std::string>();
  if (!Printable(request.repository, 256) || !Printable(request.ref, 256)) {
    return Request{.kind = Kind::kRejected, .reason = "a repository or ref that is not printable"};
  }
  if (request.commit == std::string(40, '0')) {
    return Request{.kind = Kind::kIgnored, .reason = "a deleted ref"};
  }
  if (request.commit.size() != 40 || !LowerHex(request.commit)) {
    return Request{.kind = Kind::kRejected, .reason = "after is not a 40-hex commit"};
  }
  return request;
}

}  // namespace vigil::gateway
