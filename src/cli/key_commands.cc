#include <filesystem>
#include <iostream>
#include <memory>

#include "base/hex.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "crypto/envelope.h"
#include "crypto/key_file.h"
#include "crypto/p256.h"

namespace vigil::cli {
namespace {

namespace qos = crypto::qos;

Result<qos::P256Pair> LoadPair(const std::string& secret_file) {
  auto seed = crypto::ReadSecretHexFile(secret_file, qos::kSeedSize);
  if (!seed.ok()) return seed.error().WithContext("cannot read the secret key");
  return qos::P256Pair::FromSeed(*seed);
}

Result<qos::P256Public> LoadPublic(const std::string& pub_file) {
  auto bytes = crypto::ReadHexFile(pub_file, qos::kPublicKeySize);
  if (!bytes.ok()) return bytes.error().WithContext("cannot read the public key");
  auto key = qos::P256Public::FromBytes(*bytes);
  if (!key.ok()) return key.error().WithContext(pub_file);
  return key;
}

int Generate(const std::string& path, bool json) {
  // PATH is a prefix with a file name: '' or DIR/ would write hidden .secret and .pub.
  const std::string base = std::filesystem::path(path).filename().string();
  if (base.empty() || base == "." || base == "..") {
    return ReportError(Error::BadInput(
        "PATH '" + path + "' has no file name to put .secret and .pub after; give one, " +
        "for example " + (path.empty() ? std::string("alice") : path + "alice")));
  }
  std::filesystem::path secret_path = path + ".secret";
  std::filesystem::path pub_path = path + ".pub";
  std::error_code ec;
  for (const auto& p : {secret_path, pub_path}) {
    if (std::filesystem::symlink_status(p, ec).type() != std::filesystem::file_type::not_found) {
      return ReportError(
          Error::BadInput(p.string() + " already exists; a key is never overwritten"));
    }
  }
  auto pair = qos::P256Pair::Generate();
  if (!pair.ok()) return ReportError(pair.error());
  Bytes pub = pair->public_key();
  // The public half first: if writing the secret fails, the half-made pair is removed.
  Status pub_written = crypto::WriteHexFile(pub_path, pub);
  if (!pub_written.ok()) return ReportError(pub_written.error());
  Status secret_written = crypto::WriteSecretHexFile(secret_path, pair->seed());
  if (!secret_written.ok()) {
    std::filesystem::remove(pub_path, ec);
    return ReportError(secret_written.error());
  }
  if (json) {
    PrintJson({{"secret", secret_path.string()},
               {"public", pub_path.string()},
               {"public_key", HexEncode(pub)}});
  } else {
    std::cout << HexEncode(pub) << "\n";
    std::cerr << "vigil: wrote " << secret_path.string() << " (0600) and " << pub_path.string()
              << "\n";
  }
  return 0;
}

int Public(const std::string& secret_file) {
  auto pair = LoadPair(secret_file);
  if (!pair.ok()) return ReportError(pair.error());
  std::cout << HexEncode(pair->public_key()) << "\n";
  return 0;
}

int Sign(const std::string& secret_file, const std::string& in) {
  auto pair = LoadPair(secret_file);
  if (!pair.ok()) return ReportError(pair.error());
  auto message = ReadInput(in);
  if (!message.ok()) return ReportError(message.error());
  auto signature = pair->Sign(message->view());
  if (!signature.ok()) return ReportError(signature.error());
  std::cout << HexEncode(*signature) << "\n";
  return 0;
}

int Verify(const std::string& pub_file, const std::string& signature_hex, const std::string& in) {
  auto key = LoadPublic(pub_file);
  if (!key.ok()) return ReportError(key.error());
  auto signature = HexDecode(signature_hex);
  if (!signature.ok()) return ReportError(signature.error().WithContext("--signature"));
  auto message = ReadInput(in);
  if (!message.ok()) return ReportError(message.error());
  Status verified = key->Verify(message->view(), *signature);
  if (!verified.ok()) return ReportError(verified.error());
  std::cerr << "vigil: signature OK\n";
  return 0;
}

int Encrypt(const std::string& pub_file, const std::string& in, const std::string& out) {
  auto key = LoadPublic(pub_file);
  if (!key.ok()) return ReportError(key.error());
  auto plaintext = ReadInput(in);
  if (!plaintext.ok()) return ReportError(plaintext.error());
  auto envelope = crypto::qos::Encrypt(*key, plaintext->view());
  if (!envelope.ok()) return ReportError(envelope.error());
  Status written = WriteOutput(out, *envelope, 0644);
  return written.ok() ? 0 : ReportError(written.error());
}

int Decrypt(const std::string& secret_file, const std::string& in, const std::string& out) {
  auto pair = LoadPair(secret_file);
  if (!pair.ok()) return ReportError(pair.error());
  auto envelope = ReadInput(in);
  if (!envelope.ok()) return ReportError(envelope.error());
  auto plaintext = crypto::qos::Decrypt(*pair, envelope->view());
  if (!plaintext.ok()) return ReportError(plaintext.error());
  // The plaintext is secret: a file of it is private to its owner.
  Status written = WriteOutput(out, plaintext->view(), 0600);
  return written.ok() ? 0 : ReportError(written.error());
}

}  // namespace

void AddKeyCommands(CLI::App& app, int* exit_code) {
  CLI::App* key = app.add_subcommand("key", "QuorumOS P-256 key pairs (hex files)");
  key->require_subcommand(1);

  struct GenerateArgs {
    std::string path;
    bool json = false;
  };
  auto gen = std::make_shared<GenerateArgs>();
  CLI::App* g = key->add_subcommand(
      "generate", "Create PATH.secret (32-byte seed, 0600) and PATH.pub (130-byte public key)");
  g->add_option("PATH", gen->path, "Path prefix of the two files")->required();
  g->add_flag("--json", gen->json, "Print the file names and public key as JSON");
  g->callback([gen, exit_code] { *exit_code = Generate(gen->path, gen->json); });

  auto secret_file = std::make_shared<std::string>();
  CLI::App* p = key->add_subcommand("public", "Print the public key of a secret key file");
  p->add_option("SECRET_FILE", *secret_file, "A .secret file (hex seed)")->required();
  p->callback([secret_file, exit_code] { *exit_code = Public(*secret_file); });
}

void AddP256Commands(CLI::App& app, int* exit_code) {
  CLI::App* p256 = app.add_subcommand(
      "p256", "QuorumOS P-256 signatures (ECDSA, RFC 6979) and envelopes (ECDH + AES-256-GCM)");
  p256->require_subcommand(1);

  struct Args {
    std::string key;
    std::string in;
    std::string out;
    std::string signature;
  };
  auto sign = std::make_shared<Args>();
  CLI::App* s = p256->add_subcommand("sign", "Sign the input; prints the 64-byte r||s as hex");
  s->add_option("--secret", sign->key, "The signer's .secret file")->required();
  s->add_option("--in", sign->in, "Message file (default: standard input)");
  s->callback([sign, exit_code] { *exit_code = Sign(sign->key, sign->in); });

  auto verify = std::make_shared<Args>();
  CLI::App* v = p256->add_subcommand("verify", "Verify a signature; exit 0 if valid, 1 if not");
  v->add_option("--pub", verify->key, "The signer's .pub file")->required();
  v->add_option("--signature", verify->signature, "The signature, 128 hex digits")->required();
  v->add_option("--in", verify->in, "Message file (default: standard input)");
  v->callback(
      [verify, exit_code] { *exit_code = Verify(verify->key, verify->signature, verify->in); });

  auto encrypt = std::make_shared<Args>();
  CLI::App* e = p256->add_subcommand("encrypt", "Encrypt to a public key (QuorumOS envelope)");
  e->add_option("--pub", encrypt->key, "The recipient's .pub file")->required();
  e->add_option("--in", encrypt->in, "Plaintext file (default: standard input)");
  e->add_option("--out", encrypt->out, "Envelope file (default: standard output)");
  e->callback(
      [encrypt, exit_code] { *exit_code = Encrypt(encrypt->key, encrypt->in, encrypt->out); });

  auto decrypt = std::make_shared<Args>();
  CLI::App* d = p256->add_subcommand("decrypt", "Decrypt an envelope with a secret key");
  d->add_option("--secret", decrypt->key, "The recipient's .secret file")->required();
  d->add_option("--in", decrypt->in, "Envelope file (default: standard input)");
  d->add_option("--out", decrypt->out, "Plaintext file, written 0600 (default: standard output)");
  d->callback(
      [decrypt, exit_code] { *exit_code = Decrypt(decrypt->key, decrypt->in, decrypt->out); });
}

}  // namespace vigil::cli
