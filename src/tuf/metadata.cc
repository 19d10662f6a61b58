// Keys, signatures, the threshold check and path patterns; the JSON forms are in
// metadata_json.cc.
#include "tuf/metadata.h"

#include <set>

#include "base/hex.h"
#include "crypto/ed25519.h"
#include "crypto/hash.h"
#include "crypto/key_file.h"
#include "tuf/canonical_json.h"
#include "tuf/metadata_json.h"

namespace vigil::tuf {

std::string KeyId(const Key& key) {
  // A key's JSON is printable ASCII, so its canonical form cannot fail.
  const std::string canonical = CanonicalJson(KeyJson(key)).value();
  return crypto::Sha256Hex(crypto::Sha256(AsBytes(canonical)));
}

Result<SigningKey> SigningKeyFromSeed(crypto::SecretBytes seed) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519PublicKeyBytes pub, crypto::Ed25519PublicKey(seed));
  SigningKey key{.seed = std::move(seed), .key = {Bytes(pub.begin(), pub.end())}, .keyid = {}};
  key.keyid = KeyId(key.key);
  return key;
}

Result<SigningKey> ReadSigningKeyFile(const std::filesystem::path& file) {
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed,
                         crypto::ReadSecretHexFile(file, crypto::kEd25519SeedSize));
  return SigningKeyFromSeed(std::move(seed));
}

Status VerifyThreshold(std::string_view role_name, const std::string& signed_bytes,
                       const std::vector<Signature>& signatures,
                       const std::map<std::string, Key>& keys, const RoleKeys& role) {
  const std::set<std::string> allowed(role.keyids.begin(), role.keyids.end());
  std::set<std::string> counted;
  for (const Signature& signature : signatures) {
    if (!allowed.contains(signature.keyid) || counted.contains(signature.keyid)) continue;
    auto key = keys.find(signature.keyid);
    if (key == keys.end()) continue;
    if (crypto::Ed25519Verify(key->second.public_key, AsBytes(signed_bytes), signature.sig)) {
      counted.insert(signature.keyid);
    }
  }
  if (role.threshold == 0 || counted.size() < role.threshold) {
    return Error::Failed(std::string(role_name) + ": " + std::to_string(counted.size()) +
                         " valid signatures of the threshold of " + std::to_string(role.threshold));
  }
  return OkStatus();
}

namespace {

bool SegmentMatches(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return text.empty();
  if (pattern.front() == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (SegmentMatches(pattern.substr(1), text.substr(skip))) return true;
    }
    return false;
  }
  return !text.empty() && pattern.front() == text.front() &&
         SegmentMatches(pattern.substr(1), text.substr(1));
}

}  // namespace

bool PathMatches(std::string_view pattern, std::string_view path) {
  while (true) {
    const std::size_t p = pattern.find('/'), t = path.find('/');
    if ((p == std::string_view::npos) != (t == std::string_view::npos)) return false;
    if (!SegmentMatches(pattern.substr(0, p), path.substr(0, t))) return false;
    if (p == std::string_view::npos) return true;
    pattern.remove_prefix(p + 1);
    path.remove_prefix(t + 1);
  }
}

}  // namespace vigil::tuf
