// `vigil command sign | submit`: maintainers' signed commands for vigil-gateway
// (docs/SPEC-gateway.md, "Signed commands"). `sign` writes the clear-signed text a
// maintainer pastes into an issue comment or submits; `submit` posts it to the gateway and
// prints its verdict.
#include <cstdio>
#include <string>

#include "base/file.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "gateway/clearsigned.h"
#include "gateway/command.h"
#include "http/client.h"
#include "release/signing.h"

namespace vigil::cli {
namespace {

struct SignArgs {
  std::string line, key, gnupg_home, out;
};

Status RunSign(const SignArgs& args) {
  // Only a command the gateway would parse is signed.
  VIGIL_RETURN_IF_ERROR(gateway::ParseCommand(args.line).status());
  VIGIL_ASSIGN_OR_RETURN(std::string text,
                         release::SignClear(args.line + "\n", {args.key, args.gnupg_home}));
  Result<gateway::ClearSigned> strict = gateway::ParseClearSigned(text);
  if (!strict.ok() || strict->line != args.line) {
    return Error::Failed("gpg's clear-signed text is not in the form the gateway reads: " +
                         (strict.ok() ? std::string("another line") : strict.error().message()));
  }
  if (args.out.empty() || args.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return OkStatus();
  }
  return WriteFileAtomic(args.out, AsBytes(text), 0644);
}

struct SubmitArgs {
  std::string file, gateway;
};

Status RunSubmit(const SubmitArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(args.gateway));
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(args.file, gateway::kMaxSignedCommand));
  VIGIL_ASSIGN_OR_RETURN(http::Reply reply, http::Post(url, "/commands", text, {}));
  std::string body(AsText(reply.body));
  while (!body.empty() && body.back() == '\n') body.pop_back();
  std::printf("%s\n", body.c_str());
  if (reply.status == 200 || reply.status == 202) return OkStatus();
  if (reply.status == 422) return Error::Failed("the gateway rejected the command");
  return Error::MissingEnv("the gateway answered HTTP " + std::to_string(reply.status));
}

}  // namespace

void AddCommandCommands(CLI::App& app, int* exit_code) {
  CLI::App* command = app.add_subcommand("command", "Maintainers' signed commands for the gateway");
  command->require_subcommand(1);
  auto [s, sign] = AddCommand<SignArgs>(
      *command, "sign", "Clear-sign one command line with a maintainer's OpenPGP key", exit_code,
      RunSign);
  s->add_option("line", sign->line,
                "e.g. 'Promote hello hello-... testing current 2026-12-31T00:00:00Z'")
      ->required();
  s->add_option("--key", sign->key, "The signing key's primary fingerprint (40 hex)")->required();
  s->add_option("--gnupg-home", sign->gnupg_home, "GNUPGHOME holding the secret key");
  s->add_option("--out", sign->out, "Write the signed text here (default: standard output)");
  auto [u, submit] = AddCommand<SubmitArgs>(
      *command, "submit", "Post a signed command to the gateway and print its verdict", exit_code,
      RunSubmit);
  u->add_option("file", submit->file, "The clear-signed command")->required();
  u->add_option("--gateway", submit->gateway, "The gateway's URL (http://HOST:PORT)")->required();
}

}  // namespace vigil::cli
