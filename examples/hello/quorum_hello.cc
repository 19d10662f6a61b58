// quorum-hello: the pivot of the quorum example (docs/SPEC-enclave.md). vigil-enclave starts
// it once share holders have provisioned the quorum key: it reads the key where QuorumOS
// apps find it and proves it holds it, signing the challenge that the approved manifest's
// arguments carry (so the challenge, too, was approved).
//
//   quorum-hello --challenge TEXT [--key-file PATH (default /qos.quorum.key)]
#include <cstdio>
#include <string>
#include <string_view>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/p256.h"
#include "crypto/secret.h"

namespace {

using namespace vigil;  // NOLINT: a program's entry point

Status Run(int argc, char** argv) {
  std::string challenge, key_file = "/qos.quorum.key";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--challenge") {
      challenge = argv[i + 1];
    } else if (flag == "--key-file") {
      key_file = argv[i + 1];
    } else {
      return Error::BadInput("unknown option " + std::string(flag));
    }
  }
  if (challenge.empty()) return Error::BadInput("usage: quorum-hello --challenge TEXT");
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(key_file, 256));
  std::string hex(AsText(text));
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.pop_back();
  Result<Bytes> seed_bytes = HexDecode(hex);
  crypto::Wipe({text.data(), text.size()});
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(hex.data()), hex.size()});
  if (!seed_bytes.ok()) return Error::BadInput(key_file + " does not hold a hex seed");
  crypto::SecretBytes seed(*seed_bytes);
  crypto::Wipe({seed_bytes->data(), seed_bytes->size()});
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair key, crypto::qos::P256Pair::FromSeed(seed));
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, key.Sign(AsBytes(challenge)));
  std::printf("QUORUM-HELLO: quorum-key %s\n", HexEncode(key.public_key()).c_str());
  std::printf("QUORUM-HELLO: challenge %s signature %s\n", challenge.c_str(),
              HexEncode(signature).c_str());
  return OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Status status = Run(argc, argv);
  if (status.ok()) return 0;
  std::fprintf(stderr, "quorum-hello: %s\n", status.error().message().c_str());
  return status.error().exit_code();
}
