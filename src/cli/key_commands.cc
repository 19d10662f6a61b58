#include <iostream>

#include "base/hex.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "crypto/envelope.h"
#include "crypto/p256_key_files.h"

namespace vigil::cli {
namespace {

struct KeyArgs {
  std::string path;  // a prefix (generate) or a .secret or .pub file
  std::string in;
  std::string out;
  std::string signature;
  bool json = false;
};

Status Generate(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::P256KeyFiles files, crypto::CreateP256KeyFiles(args.path));
  if (args.json) {
    PrintJson({{"secret", files.secret.string()},
               {"public", files.pub.string()},
               {"public_key", HexEncode(files.public_key)}});
  } else {
    std::cout << HexEncode(files.public_key) << "\n";
    std::cerr << "vigil: wrote " << files.secret.string() << " (0600) and " << files.pub.string()
              << "\n";
  }
  return OkStatus();
}

Status Public(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, crypto::ReadP256Pair(args.path));
  std::cout << HexEncode(pair.public_key()) << "\n";
  return OkStatus();
}

Status Sign(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, crypto::ReadP256Pair(args.path));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes message, ReadInput(args.in));
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, pair.Sign(message.view()));
  std::cout << HexEncode(signature) << "\n";
  return OkStatus();
}

Status Verify(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Public key, crypto::ReadP256Public(args.path));
  auto signature = HexDecode(args.signature);
  if (!signature.ok()) return signature.error().WithContext("--signature");
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes message, ReadInput(args.in));
  VIGIL_RETURN_IF_ERROR(key.Verify(message.view(), *signature));
  std::cerr << "vigil: signature OK\n";
  return OkStatus();
}

Status Encrypt(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Public key, crypto::ReadP256Public(args.path));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes plaintext, ReadInput(args.in));
  VIGIL_ASSIGN_OR_RETURN(Bytes envelope, crypto::qos::Encrypt(key, plaintext.view()));
  return WriteOutput(args.out, envelope, 0644);
}

Status Decrypt(const KeyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, crypto::ReadP256Pair(args.path));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes envelope, ReadInput(args.in));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes plaintext,
                         crypto::qos::Decrypt(pair, envelope.view()));
  // The plaintext is secret: a file of it is private to its owner.
  return WriteOutput(args.out, plaintext.view(), 0600);
}

}  // namespace

void AddKeyCommands(CLI::App& app, int* exit_code) {
  CLI::App* key = app.add_subcommand("key", "QuorumOS P-256 key pairs (hex files)");
  key->require_subcommand(1);

  auto [g, gen] = AddCommand<KeyArgs>(
      *key, "generate",
      "Create PATH.secret (32-byte seed, 0600) and PATH.pub (130-byte public key)", exit_code,
      Generate);
  g->add_option("PATH", gen->path, "Path prefix of the two files")->required();
  g->add_flag("--json", gen->json, "Print the file names and public key as JSON");

  auto [p, pub] = AddCommand<KeyArgs>(*key, "public", "Print the public key of a secret key file",
                                      exit_code, Public);
  p->add_option("SECRET_FILE", pub->path, "A .secret file (hex seed)")->required();
}

void AddP256Commands(CLI::App& app, int* exit_code) {
  CLI::App* p256 = app.add_subcommand(
      "p256", "QuorumOS P-256 signatures (ECDSA, RFC 6979) and envelopes (ECDH + AES-256-GCM)");
  p256->require_subcommand(1);

  auto [s, sign] = AddCommand<KeyArgs>(
      *p256, "sign", "Sign the input; prints the 64-byte r||s as hex", exit_code, Sign);
  s->add_option("--secret", sign->path, "The signer's .secret file")->required();
  s->add_option("--in", sign->in, "Message file (default: standard input)");

  auto [v, verify] = AddCommand<KeyArgs>(
      *p256, "verify", "Verify a signature; exit 0 if valid, 1 if not", exit_code, Verify);
  v->add_option("--pub", verify->path, "The signer's .pub file")->required();
  v->add_option("--signature", verify->signature, "The signature, 128 hex digits")->required();
  v->add_option("--in", verify->in, "Message file (default: standard input)");

  auto [e, encrypt] = AddCommand<KeyArgs>(
      *p256, "encrypt", "Encrypt to a public key (QuorumOS envelope)", exit_code, Encrypt);
  e->add_option("--pub", encrypt->path, "The recipient's .pub file")->required();
  e->add_option("--in", encrypt->in, "Plaintext file (default: standard input)");
  e->add_option("--out", encrypt->out, "Envelope file (default: standard output)");

  auto [d, decrypt] = AddCommand<KeyArgs>(*p256, "decrypt", "Decrypt an envelope with a secret key",
                                          exit_code, Decrypt);
  d->add_option("--secret", decrypt->path, "The recipient's .secret file")->required();
  d->add_option("--in", decrypt->in, "Envelope file (default: standard input)");
  d->add_option("--out", decrypt->out, "Plaintext file, written 0600 (default: standard output)");
}

}  // namespace vigil::cli
