// vigil-witness: a C2SP tlog-witness (docs/SPEC-witness.md).
//
//   vigil-witness --generate-key NAME --key FILE
//       writes a new cosigning key to FILE (0600, must not exist) and prints its verifier key
//   vigil-witness --key FILE --state-dir DIR --log ORIGIN=VKEY... [--listen HOST:PORT]
//       serves POST /add-checkpoint; prints the bound port on stdout
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"
#include "base/signal_block.h"
#include "base/strict_number.h"
#include "crypto/ed25519.h"
#include "http/server.h"
#include "witness/witness.h"

namespace {

using namespace vigil;  // NOLINT: a binary's entry point

constexpr char kUsage[] =
    "usage: vigil-witness --generate-key NAME --key FILE\n"
    "       vigil-witness --key FILE --state-dir DIR --log ORIGIN=VKEY... [--listen HOST:PORT]\n";

struct Options {
  std::string generate, key, state_dir, listen = "127.0.0.1:0";
  std::vector<std::string> logs;
};

Result<Options> ParseOptions(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Error::BadInput(std::string(flag) + " needs a value\n" + kUsage);
    const std::string value = argv[++i];
    if (flag == "--log") {
      options.logs.push_back(value);
      continue;
    }
    std::string* target = flag == "--generate-key" ? &options.generate
                          : flag == "--key"        ? &options.key
                          : flag == "--state-dir"  ? &options.state_dir
                          : flag == "--listen"     ? &options.listen
                                                   : nullptr;
    if (target == nullptr)
      return Error::BadInput("unknown option " + std::string(flag) + "\n" + kUsage);
    *target = value;
  }
  if (options.key.empty()) return Error::BadInput(std::string("--key is required\n") + kUsage);
  if (options.generate.empty() && (options.state_dir.empty() || options.logs.empty())) {
    return Error::BadInput(std::string("serving needs --state-dir and at least one --log\n") +
                           kUsage);
  }
  return options;
}

Status GenerateKey(const Options& options) {
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed, crypto::Ed25519GenerateSeed());
  VIGIL_ASSIGN_OR_RETURN(tlog::Cosigner cosigner,
                         tlog::Cosigner::Create(options.generate, std::move(seed)));
  const crypto::SecretBytes text = cosigner.PrivateKeyText();
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(options.key, text.view(), 0600));
  std::printf("%s\n", cosigner.VerifierKey().c_str());
  return OkStatus();
}

Result<std::vector<witness::WitnessedLog>> Logs(const std::vector<std::string>& specs) {
  std::vector<witness::WitnessedLog> logs;
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error::BadInput("--log takes ORIGIN=VKEY, not '" + spec + "'");
    }
    Result<tlog::NoteVerifier> key = tlog::NoteVerifier::Parse(spec.substr(eq + 1));
    if (!key.ok()) return key.error().WithContext("--log " + spec.substr(0, eq));
    logs.push_back({.origin = spec.substr(0, eq), .key = std::move(*key)});
  }
  return logs;
}

Status Serve(const Options& options) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(options.key, 4096, /*allow_symlink=*/false));
  Result<tlog::Cosigner> cosigner = tlog::Cosigner::FromText(AsText(text));
  crypto::Wipe(text);
  if (!cosigner.ok()) return cosigner.error();
  VIGIL_ASSIGN_OR_RETURN(std::vector<witness::WitnessedLog> logs, Logs(options.logs));
  VIGIL_ASSIGN_OR_RETURN(
      std::unique_ptr<witness::Witness> witness,
      witness::Witness::Open(std::move(*cosigner), std::move(logs), options.state_dir,
                             [] { return static_cast<std::uint64_t>(std::time(nullptr)); }));
  const auto colon = options.listen.rfind(':');
  if (colon == std::string::npos) return Error::BadInput("--listen takes HOST:PORT");
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t port, ParseUnsigned(options.listen.substr(colon + 1),
                                                           "--listen port", 0, 65535));
  BlockStopSignals();  // before the server's threads
  http::ServerLimits limits;
  limits.max_body = witness::kMaxAddCheckpointBytes;
  http::Server server(limits);
  server.Post("/add-checkpoint",
              [&witness](const http::Request& request, http::Response& response) {
                witness::WitnessAnswer answer = witness->AddCheckpoint(request.body);
                response.status = answer.status;
                response.SetContent(std::move(answer.body), std::move(answer.content_type));
              });
  VIGIL_ASSIGN_OR_RETURN(int bound,
                         server.Start(options.listen.substr(0, colon), static_cast<int>(port)));
  std::fprintf(stderr, "vigil-witness: %s cosigns at http://%s:%d/add-checkpoint\n",
               witness->cosigner().VerifierKey().c_str(), options.listen.substr(0, colon).c_str(),
               bound);
  std::printf("%d\n", bound);
  std::fflush(stdout);
  WaitForStopSignal();
  server.Stop();
  return OkStatus();
}

Status Run(int argc, char** argv) {
  VIGIL_ASSIGN_OR_RETURN(Options options, ParseOptions(argc, argv));
  return options.generate.empty() ? Serve(options) : GenerateKey(options);
}

}  // namespace

int main(int argc, char** argv) {
  Status status = Run(argc, argv);
  if (status.ok()) return 0;
  std::fprintf(stderr, "vigil-witness: %s\n", status.error().message().c_str());
  return status.error().exit_code();
}
