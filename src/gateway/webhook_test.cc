#include "gateway/webhook.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "crypto/hkdf.h"

namespace vigil::gateway {
namespace {

const std::string kSecret = "It's a Secret to Everybody";

http::Fields Head(std::initializer_list<std::pair<std::string, std::string>> fields) {
  http::Fields out;
  for (const auto& [name, value] : fields) out.list.push_back({name, value});
  return out;
}

std::string Mac(const std::string& body) {
  return HexEncode(crypto::HmacSha256(AsBytes(kSecret), AsBytes(body))->view());
}

TEST(WebhookTest, ProvidersComeFromThePathOnly) {
  EXPECT_EQ(ProviderFromPath("/hooks/github"), Provider::kGitHub);
  EXPECT_EQ(ProviderFromPath("/hooks/forgejo"), Provider::kForgejo);
  EXPECT_FALSE(ProviderFromPath("/hooks/github/").has_value());
  EXPECT_FALSE(ProviderFromPath("/hooks/bitbucket").has_value());
}

TEST(WebhookTest, GitHubsDocumentedSignatureAuthenticates) {
  const std::string body = "Hello, World!";
  const http::Fields head =
      Head({{"x-hub-signature-256",
             "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"},
            {"x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
            {"x-github-event", "push"}});
  Result<Authenticated> who =
      Authenticate(Provider::kGitHub, head, AsBytes(body), AsBytes(kSecret));
  ASSERT_TRUE(who.ok()) << who.error().message();
  EXPECT_EQ(who->delivery_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  EXPECT_EQ(who->event, "push");
  // One byte more in the body, another secret, no header, a header without "sha256=".
  EXPECT_FALSE(Authenticate(Provider::kGitHub, head, AsBytes(body + " "), AsBytes(kSecret)).ok());
  EXPECT_FALSE(Authenticate(Provider::kGitHub, head, AsBytes(body), AsBytes("another")).ok());
  EXPECT_NE(Authenticate(Provider::kGitHub, Head({{"x-github-delivery", "d"}}), AsBytes(body),
                         AsBytes(kSecret))
                .error()
                .message()
                .find("no X-Hub-Signature-256"),
            std::string::npos);
  // Gitea sends GitHub's header too; its own path checks its own header.
  EXPECT_FALSE(Authenticate(Provider::kGitea, head, AsBytes(body), AsBytes(kSecret)).ok());
}

TEST(WebhookTest, GitLabGiteaAndForgejo) {
  const std::string body = "{}";
  EXPECT_EQ(Authenticate(Provider::kGitLab,
                         Head({{"x-gitlab-token", kSecret},
                               {"x-gitlab-event-uuid", "uuid-1"},
                               {"idempotency-key", "key-1"},
                               {"x-gitlab-event", "Push Hook"}}),
                         AsBytes(body), AsBytes(kSecret))
                ->delivery_id,
            "key-1")
      << "Idempotency-Key comes first";
  EXPECT_FALSE(Authenticate(Provider::kGitLab,
                            Head({{"x-gitlab-token", kSecret + "x"},
                                  {"x-gitlab-event-uuid", "uuid-1"},
                                  {"x-gitlab-event", "Push Hook"}}),
                            AsBytes(body), AsBytes(kSecret))
                   .ok());
  EXPECT_TRUE(Authenticate(Provider::kGitea,
                           Head({{"x-gitea-signature", Mac(body)},
                                 {"x-gitea-delivery", "g-1"},
                                 {"x-gitea-event", "push"}}),
                           AsBytes(body), AsBytes(kSecret))
                  .ok());
  EXPECT_FALSE(Authenticate(Provider::kForgejo,
                            Head({{"x-forgejo-signature", Mac(body)}, {"x-forgejo-event", "push"}}),
                            AsBytes(body), AsBytes(kSecret))
                   .ok())
      << "no delivery id";
}

TEST(WebhookTest, APushAsksForABuildOfItsCommit) {
  const std::string commit(40, 'a');
  const std::string push = R"({"ref":"refs/heads/main","after":")" + commit +
                           R"(","repository":{"full_name":"example/hello"}})";
  Request request = ReadRequest(Provider::kGitHub, "push", push);
  EXPECT_EQ(request.kind, Request::Kind::kBuild);
  EXPECT_EQ(request.repository, "example/hello");
  EXPECT_EQ(request.commit, commit);
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "ping", "{}").kind, Request::Kind::kIgnored);
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "push", "{not json").kind, Request::Kind::kRejected);
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "push", R"({"ref":"x"})").kind,
            Request::Kind::kRejected);
  std::string deleted = push;
  deleted.replace(deleted.find(commit), 40, std::string(40, '0'));
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "push", deleted).kind, Request::Kind::kIgnored);
  const std::string gitlab = R"({"ref":"refs/tags/v1","after":")" + commit +
                             R"(","project":{"path_with_namespace":"group/hello"}})";
  EXPECT_EQ(ReadRequest(Provider::kGitLab, "Tag Push Hook", gitlab).repository, "group/hello");
}

TEST(WebhookTest, ACommentCarriesTheSignedMessageItHolds) {
  const std::string message =
      "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nBuild hello x\n"
      "-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----";
  nlohmann::json github = {{"action", "created"},
                           {"comment", {{"body", "Ship it:\r\n" + message + "\r\nthanks"}}},
                           {"repository", {{"full_name", "example/hello"}}}};
  Request request = ReadRequest(Provider::kGitHub, "issue_comment", github.dump());
  EXPECT_EQ(request.kind, Request::Kind::kCommand);
  EXPECT_EQ(request.command, message);
  EXPECT_EQ(request.repository, "example/hello");
  github["action"] = "edited";
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "issue_comment", github.dump()).kind,
            Request::Kind::kIgnored);
  github["action"] = "created";
  github["comment"]["body"] = "LGTM";
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "issue_comment", github.dump()).kind,
            Request::Kind::kIgnored);
  github.erase("repository");
  EXPECT_EQ(ReadRequest(Provider::kGitHub, "issue_comment", github.dump()).kind,
            Request::Kind::kRejected);
  const nlohmann::json gitlab = {{"object_kind", "note"},
                                 {"object_attributes", {{"note", message}}},
                                 {"project", {{"path_with_namespace", "group/hello"}}}};
  request = ReadRequest(Provider::kGitLab, "Note Hook", gitlab.dump());
  EXPECT_EQ(request.kind, Request::Kind::kCommand);
  EXPECT_EQ(request.repository, "group/hello");
  EXPECT_EQ(ReadRequest(Provider::kGitLab, "issue_comment", gitlab.dump()).kind,
            Request::Kind::kIgnored);
}

}  // namespace
}  // namespace vigil::gateway
