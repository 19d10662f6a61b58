#include "crypto/p256_key_files.h"

#include "crypto/key_file.h"

namespace vigil::crypto {

Result<P256KeyFiles> CreateP256KeyFiles(const std::string& prefix) {
  // PREFIX is a path with a file name: '' or DIR/ would write hidden .secret and .pub.
  const std::string base = std::filesystem::path(prefix).filename().string();
  if (base.empty() || base == "." || base == "..") {
    return Error::BadInput(
        "PATH '" + prefix + "' has no file name to put .secret and .pub after; give one, " +
        "for example " + (prefix.empty() ? std::string("alice") : prefix + "alice"));
  }
  P256KeyFiles files{.secret = prefix + ".secret", .pub = prefix + ".pub", .public_key = {}};
  std::error_code ec;
  for (const auto& p : {files.secret, files.pub}) {
    if (std::filesystem::symlink_status(p, ec).type() != std::filesystem::file_type::not_found) {
      return Error::BadInput(p.string() + " already exists; a key is never overwritten");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(qos::P256Pair pair, qos::P256Pair::Generate());
  files.public_key = pair.public_key();
  // The public half first: if writing the secret fails, the half-made pair is removed.
  VIGIL_RETURN_IF_ERROR(WriteHexFile(files.pub, files.public_key));
  Status secret_written = WriteSecretHexFile(files.secret, pair.seed());
  if (!secret_written.ok()) {
    std::filesystem::remove(files.pub, ec);
    return secret_written.error();
  }
  return files;
}

Result<qos::P256Pair> ReadP256Pair(const std::filesystem::path& secret_file) {
  auto seed = ReadSecretHexFile(secret_file, qos::kSeedSize);
  if (!seed.ok()) return seed.error().WithContext("cannot read the secret key");
  return qos::P256Pair::FromSeed(*seed);
}

Result<qos::P256Public> ReadP256Public(const std::filesystem::path& pub_file) {
  auto bytes = ReadHexFile(pub_file, qos::kPublicKeySize);
  if (!bytes.ok()) return bytes.error().WithContext("cannot read the public key");
  auto key = qos::P256Public::FromBytes(*bytes);
  if (!key.ok()) return key.error().WithContext(pub_file.string());
  return key;
}

}  // namespace vigil::crypto
