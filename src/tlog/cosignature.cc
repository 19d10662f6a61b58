#include "tlog/cosignature.h"

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "crypto/secret.h"
#include "tlog/note.h"

namespace vigil::tlog {
namespace {

void BigEndian(std::uint64_t value, int bytes, Bytes& out) {
  for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

}  // namespace

std::uint32_t CosignatureKeyId(std::string_view name, const crypto::Ed25519PublicKeyBytes& key) {
  return TypedKeyId(name, kCosignatureType, key);
}

std::string CosignedMessage(std::string_view checkpoint_text, std::uint64_t time) {
  return "cosignature/v1\ntime " + std::to_string(time) + "\n" + std::string(checkpoint_text);
}

Result<Cosigner> Cosigner::Create(std::string_view name, crypto::SecretBytes seed) {
  VIGIL_RETURN_IF_ERROR(CheckNoteKeyName(name));
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519PublicKeyBytes key, crypto::Ed25519PublicKey(seed));
  return Cosigner(std::string(name), std::move(seed), key);
}

Result<Cosigner> Cosigner::FromText(std::string_view text) {
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  const auto bad = [] {
    return Error::BadInput(
        "the witness key is not PRIVATE+KEY+NAME+KEYID+BASE64 with a cosignature key (type 4)");
  };
  if (!text.starts_with(kPrefix)) return bad();
  text.remove_prefix(kPrefix.size());
  const auto first = text.find('+');
  const auto second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos) return bad();
  const std::string_view name = text.substr(0, first);
  const std::string_view id = text.substr(first + 1, second - first - 1);
  Result<Bytes> typed = Base64Decode(text.substr(second + 1));
  if (!typed.ok() || typed->size() != 33 || (*typed)[0] != kCosignatureType) return bad();
  crypto::SecretBytes seed(ByteView(*typed).subspan(1));
  crypto::Wipe(*typed);
  VIGIL_ASSIGN_OR_RETURN(Cosigner cosigner, Create(name, std::move(seed)));
  const std::string expected = cosigner.VerifierKey();
  if (expected.substr(name.size() + 1, 8) != id) {
    return Error::BadInput("the witness key's ID does not match its key: altered or mistyped");
  }
  return cosigner;
}

crypto::SecretBytes Cosigner::PrivateKeyText() const {
  Bytes typed{kCosignatureType};
  typed.insert(typed.end(), seed_.view().begin(), seed_.view().end());
  Bytes id;
  BigEndian(CosignatureKeyId(name_, public_key_), 4, id);
  std::string text =
      "PRIVATE+KEY+" + name_ + "+" + HexEncode(id) + "+" + Base64Encode(typed) + "\n";
  crypto::SecretBytes out(AsBytes(text));
  crypto::Wipe(typed);
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(text.data()), text.size()});
  return out;
}

std::string Cosigner::VerifierKey() const {
  Bytes typed{kCosignatureType};
  typed.insert(typed.end(), public_key_.begin(), public_key_.end());
  Bytes id;
  BigEndian(CosignatureKeyId(name_, public_key_), 4, id);
  return name_ + "+" + HexEncode(id) + "+" + Base64Encode(typed);
}

Result<std::string> Cosigner::Cosign(std::string_view checkpoint_text, std::uint64_t time) const {
  if (time == 0) return Error::BadInput("a cosignature's time must not be zero");
  const std::string message = CosignedMessage(checkpoint_text, time);
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519Signature signature,
                         crypto::Ed25519Sign(seed_, AsBytes(message)));
  Bytes blob;
  BigEndian(CosignatureKeyId(name_, public_key_), 4, blob);
  BigEndian(time, 8, blob);
  blob.insert(blob.end(), signature.begin(), signature.end());
  return "\u2014 " + name_ + " " + Base64Encode(blob) + "\n";
}

Result<CosignatureVerifier> CosignatureVerifier::Parse(std::string_view vkey) {
  const auto bad = [&vkey](const std::string& why) {
    return Error::BadInput("the witness key '" + std::string(vkey) + "' " + why);
  };
  const auto first = vkey.find('+');
  const auto second = first == std::string_view::npos ? first : vkey.find('+', first + 1);
  if (second == std::string_view::npos) return bad("is not NAME+KEYID+BASE64");
  const std::string_view name = vkey.substr(0, first);
  VIGIL_RETURN_IF_ERROR(CheckNoteKeyName(name));
  Result<Bytes> typed = Base64Decode(vkey.substr(second + 1));
  if (!typed.ok() || typed->size() != 33 || (*typed)[0] != kCosignatureType ||
      Base64Encode(*typed) != vkey.substr(second + 1)) {
    return bad("does not hold a cosignature key (base64 of 0x04 and 32 bytes)");
  }
  crypto::Ed25519PublicKeyBytes key{};
  std::copy(typed->begin() + 1, typed->end(), key.begin());
  CosignatureVerifier verifier(std::string(name), key);
  Bytes id;
  BigEndian(verifier.key_id(), 4, id);
  if (vkey.substr(first + 1, second - first - 1) != HexEncode(id)) {
    return bad("has a key ID that is not its key's (" + HexEncode(id) + ")");
  }
  return verifier;
}

Result<std::uint64_t> CosignatureVerifier::Verify(const SignedNote& note) const {
  for (const NoteSignature& line : note.signatures) {
    if (line.name != name_ || line.key_id != key_id_ || line.signature.size() != 8 + 64) continue;
    std::uint64_t time = 0;
    for (int i = 0; i < 8; ++i) time = time << 8 | line.signature[static_cast<std::size_t>(i)];
    if (time == 0) continue;
    const std::string message = CosignedMessage(note.text, time);
    if (crypto::Ed25519Verify(public_key_, AsBytes(message), ByteView(line.signature).subspan(8))) {
      return time;
    }
  }
  return Error::Failed("no valid cosignature by the witness " + name_);
}

}  // namespace vigil::tlog
