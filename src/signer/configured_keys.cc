#include "signer/configured_keys.h"

#include <sys/stat.h>

#include "base/file.h"
#include "base/secret_file_mode.h"
#include "crypto/secret.h"
#include "signer/file_key.h"
#include "signer/pkcs11_key.h"

namespace vigil::signer {
namespace {

// The token's user PIN, from a file only its owner may read (one trailing newline allowed).
Result<crypto::SecretBytes> ReadPin(const std::filesystem::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    return Error::BadInput(path.string() + ": no such PIN file");
  }
  VIGIL_RETURN_IF_ERROR(CheckSecretFileMode(path));
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, 256));
  std::size_t size = bytes.size();
  if (size > 0 && bytes[size - 1] == '\n') --size;
  crypto::SecretBytes pin(ByteView(bytes.data(), size));
  crypto::Wipe(bytes);
  if (pin.empty()) return Error::BadInput(path.string() + ": the PIN file is empty");
  return pin;
}

Result<Pkcs11KeyConfig> TokenKey(const KeyConfig& config) {
  Pkcs11KeyConfig token;
  token.module = config.pkcs11_module;
  token.token_label = config.pkcs11_token;
  token.key_label = config.pkcs11_label;
  token.algorithm = config.algorithm;
  VIGIL_ASSIGN_OR_RETURN(token.pin, ReadPin(config.pkcs11_pin_file));
  return token;
}

}  // namespace

Result<SigningKeys> OpenConfiguredKeys(const SignerConfig& config) {
  SigningKeys keys;
  for (const auto& [name, key_config] : config.keys) {
    Result<std::unique_ptr<SigningKey>> key = Error::Failed("unreachable");
    if (key_config.is_pkcs11()) {
      VIGIL_ASSIGN_OR_RETURN(Pkcs11KeyConfig token, TokenKey(key_config));
      key = OpenPkcs11Key(token);
    } else {
      key = OpenFileKey(key_config.file, key_config.algorithm);
    }
    if (!key.ok()) return key.error().WithContext("key '" + name + "'");
    keys.emplace(name, std::move(key).value());
  }
  return keys;
}

Result<crypto::PublicKey> CreateConfiguredKey(const KeyConfig& config) {
  if (!config.is_pkcs11()) return GenerateFileKey(config.file, config.algorithm);
  VIGIL_ASSIGN_OR_RETURN(Pkcs11KeyConfig token, TokenKey(config));
  return GeneratePkcs11Key(token);
}

}  // namespace vigil::signer
