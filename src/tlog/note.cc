#include "tlog/note.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "base/base64.h"
#include "base/utf8.h"
#include "crypto/hash.h"

namespace vigil::tlog {
namespace {

constexpr std::string_view kEmDashSpace = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
constexpr std::size_t kKeyIdSize = 4;
constexpr std::size_t kKeyIdHexSize = 8;

// Unicode White_Space (Go's unicode.IsSpace).
bool IsUnicodeSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// Checks that `text` is valid UTF-8 with no control character other than newline.
Status CheckNoteCharacters(std::string_view text, const std::string& what) {
  for (std::size_t i = 0; i < text.size();) {
    char32_t c = 0;
    const std::size_t length = DecodeUtf8(text.substr(i), c);
    if (length == 0) {
      return Error::BadInput(what + " is not valid UTF-8 (at byte " + std::to_string(i) + ")");
    }
    if (c < 0x20 && c != '\n') {
      return Error::BadInput(what + " has a control character at byte " + std::to_string(i) +
                             " (only newlines are allowed; no tabs or carriage returns)");
    }
    i += length;
  }
  return OkStatus();
}

std::string KeyIdHex(std::uint32_t key_id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kKeyIdHexSize, '0');
  for (std::size_t i = 0; i < kKeyIdHexSize; ++i) {
    out[kKeyIdHexSize - 1 - i] = kDigits[(key_id >> (4 * i)) & 0xf];
  }
  return out;
}

// Parses exactly 8 lowercase hex digits.
Result<std::uint32_t> ParseKeyIdHex(std::string_view hex) {
  if (hex.size() != kKeyIdHexSize) {
    return Error::BadInput("the key ID must be 8 hex digits, got " + std::to_string(hex.size()) +
                           " characters");
  }
  std::uint32_t key_id = 0;
  for (char c : hex) {
    std::uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else {
      return Error::BadInput("the key ID must be 8 lowercase hex digits");
    }
    key_id = key_id << 4 | digit;
  }
  return key_id;
}

// Splits `text` at the first `separator`: the part before it, and the rest after it in `rest`.
// Returns false if there is no separator.
bool Chop(std::string_view text, char separator, std::string_view& before, std::string_view& rest) {
  const std::size_t at = text.find(separator);
  if (at == std::string_view::npos) return false;
  before = text.substr(0, at);
  rest = text.substr(at + 1);
  return true;
}

// The parts of a key text after any "PRIVATE+KEY+" prefix.
struct KeyText {
  std::string_view name;
  std::uint32_t key_id = 0;
  std::string_view key_base64;
};

Result<KeyText> SplitKeyText(std::string_view text, const std::string& what) {
  KeyText parts;
  std::string_view key_id_hex;
  std::string_view rest;
  if (!Chop(text, '+', parts.name, rest) || !Chop(rest, '+', key_id_hex, parts.key_base64)) {
    return Error::BadInput(what + " must have the form NAME+KEYID+KEY");
  }
  if (Status status = CheckNoteKeyName(parts.name); !status.ok()) {
    return status.error().WithContext(what);
  }
  auto key_id = ParseKeyIdHex(key_id_hex);
  if (!key_id.ok()) return key_id.error().WithContext(what);
  parts.key_id = *key_id;
  return parts;
}

// Decodes base64(0x01 || 32 bytes), wiping every intermediate copy (the bytes may be a seed).
Result<crypto::SecretBytes> DecodeTypedKey(std::string_view key_base64, const std::string& what) {
  auto decoded = Base64Decode(key_base64);
  if (!decoded.ok()) return decoded.error().WithContext(what);
  Bytes& bytes = *decoded;
  if (bytes.empty() || bytes[0] != kNoteEd25519Type) {
    crypto::Wipe(bytes);
    return Error::BadInput(what + " is not an Ed25519 key (its type byte must be 0x01)");
  }
  if (bytes.size() != 1 + 32) {
    const std::size_t size = bytes.size() - 1;
    crypto::Wipe(bytes);
    return Error::BadInput(what + " has " + std::to_string(size) +
                           " key bytes; an Ed25519 key has 32");
  }
  crypto::SecretBytes key(ByteView(bytes).subspan(1));
  crypto::Wipe(bytes);
  return key;
}

}  // namespace

Status CheckNoteKeyName(std::string_view name) {
  if (name.empty())
    return Error::BadInput("the key name is empty; give a name such as example.com/log");
  for (std::size_t i = 0; i < name.size();) {
    char32_t c = 0;
    const std::size_t length = DecodeUtf8(name.substr(i), c);
    if (length == 0) return Error::BadInput("the key name is not valid UTF-8");
    if (c < 0x20 || IsUnicodeSpace(c) || c == '+') {
      return Error::BadInput("the key name must not contain spaces, '+' or control characters");
    }
    i += length;
  }
  return OkStatus();
}

Status CheckNoteText(std::string_view text) {
  if (text.empty()) return Error::BadInput("the note text is empty");
  if (text.size() > kMaxNoteSize) {
    return Error::BadInput("the note text is " + std::to_string(text.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxNoteSize));
  }
  if (text.back() != '\n') return Error::BadInput("the note text must end with a newline");
  return CheckNoteCharacters(text, "the note text");
}

std::uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKeyBytes& public_key) {
  return TypedKeyId(name, kNoteEd25519Type, public_key);
}

std::uint32_t TypedKeyId(std::string_view name, std::uint8_t type,
                         const crypto::Ed25519PublicKeyBytes& public_key) {
  const ByteView name_bytes = AsBytes(name);
  Bytes preimage(name_bytes.begin(), name_bytes.end());
  preimage.push_back('\n');
  preimage.push_back(type);
  preimage.insert(preimage.end(), public_key.begin(), public_key.end());
  const crypto::Sha256Digest digest = crypto::Sha256(preimage);
  return static_cast<std::uint32_t>(digest[0]) << 24 | static_cast<std::uint32_t>(digest[1]) << 16 |
         static_cast<std::uint32_t>(digest[2]) << 8 | digest[3];
}

// ---- NoteVerifier ----

NoteVerifier::NoteVerifier(std::string name, const crypto::Ed25519PublicKeyBytes& public_key)
    : name_(std::move(name)), public_key_(public_key), key_id_(NoteKeyId(name_, public_key_)) {}

Result<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  const std::string what = "the verifier key";
  if (vkey.starts_with(kPrivateKeyPrefix)) {
    return Error::BadInput(
        "this is a private key (PRIVATE+KEY+...), not a verifier key: give the public verifier "
        "key (a log's log.vkey, printed by `vigil log vkey DIR`), and keep the private key "
        "secret");
  }
  VIGIL_ASSIGN_OR_RETURN(KeyText parts, SplitKeyText(vkey, what));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes key, DecodeTypedKey(parts.key_base64, what));
  crypto::Ed25519PublicKeyBytes public_key{};
  std::copy(key.view().begin(), key.view().end(), public_key.begin());
  NoteVerifier verifier(std::string(parts.name), public_key);
  if (verifier.key_id() != parts.key_id) {
    return Error::BadInput(what + " has key ID " + KeyIdHex(parts.key_id) +
                           " but its key's ID is " + KeyIdHex(verifier.key_id()) +
                           "; the key text was altered or mistyped");
  }
  return verifier;
}

Result<NoteVerifier> NoteVerifier::FromPublicKey(std::string_view name,
                                                 const crypto::Ed25519PublicKeyBytes& public_key) {
  VIGIL_RETURN_IF_ERROR(CheckNoteKeyName(name));
  return NoteVerifier(std::string(name), public_key);
}

std::string NoteVerifier::Text() const {
  Bytes typed_key;
  typed_key.push_back(kNoteEd25519Type);
  typed_key.insert(typed_key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + KeyIdHex(key_id_) + "+" + Base64Encode(typed_key);
}

Status NoteVerifier::Verify(std::string_view text, ByteView signature) const {
  if (crypto::Ed25519Verify(public_key_, AsBytes(text), signature)) return OkStatus();
  return Error::Failed("the signature by " + name_ + " (key ID " + KeyIdHex(key_id_) +
                       ") does not verify: the note was altered or signed by another key");
}

// ---- NoteSigner ----

Result<NoteSigner> NoteSigner::Create(std::string_view name) {
  VIGIL_RETURN_IF_ERROR(CheckNoteKeyName(name));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed, crypto::Ed25519GenerateSeed());
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519PublicKeyBytes public_key, crypto::Ed25519PublicKey(seed));
  return NoteSigner(std::move(seed), NoteVerifier(std::string(name), public_key));
}

Result<NoteSigner> NoteSigner::FromText(std::string_view private_key_text) {
  const std::string what = "the signer key";
  if (private_key_text.substr(0, kPrivateKeyPrefix.size()) != kPrivateKeyPrefix) {
    return Error::BadInput(what + " must start with PRIVATE+KEY+ (is this a verifier key?)");
  }
  VIGIL_ASSIGN_OR_RETURN(KeyText parts,
                         SplitKeyText(private_key_text.substr(kPrivateKeyPrefix.size()), what));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed, DecodeTypedKey(parts.key_base64, what));
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519PublicKeyBytes public_key, crypto::Ed25519PublicKey(seed));
  NoteVerifier verifier(std::string(parts.name), public_key);
  if (verifier.key_id() != parts.key_id) {
    return Error::BadInput(what + " has key ID " + KeyIdHex(parts.key_id) +
                           " but its key's ID is " + KeyIdHex(verifier.key_id()) +
                           "; the key text was altered or mistyped");
  }
  return NoteSigner(std::move(seed), std::move(verifier));
}

crypto::SecretBytes NoteSigner::PrivateKeyText() const {
  Bytes typed_seed(1 + seed_.size());
  typed_seed[0] = kNoteEd25519Type;
  std::copy(seed_.view().begin(), seed_.view().end(), typed_seed.begin() + 1);
  std::string encoded = Base64Encode(typed_seed);  // one allocation of the final size
  crypto::Wipe(typed_seed);
  const std::string prefix =
      std::string(kPrivateKeyPrefix) + name() + "+" + KeyIdHex(verifier_.key_id()) + "+";
  crypto::SecretBytes text(prefix.size() + encoded.size());
  std::memcpy(text.data(), prefix.data(), prefix.size());
  std::memcpy(text.data() + prefix.size(), encoded.data(), encoded.size());
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(encoded.data()), encoded.size()});
  return text;
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  VIGIL_RETURN_IF_ERROR(CheckNoteText(text));
  VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519Signature signature,
                         crypto::Ed25519Sign(seed_, AsBytes(text)));
  Bytes key_id_and_signature(kKeyIdSize);
  const std::uint32_t key_id = verifier_.key_id();
  for (std::size_t i = 0; i < kKeyIdSize; ++i) {
    key_id_and_signature[i] = static_cast<std::uint8_t>(key_id >> (8 * (kKeyIdSize - 1 - i)));
  }
  key_id_and_signature.insert(key_id_and_signature.end(), signature.begin(), signature.end());
  std::string note(text);
  note += '\n';
  note += kEmDashSpace;
  note += name();
  note += ' ';
  note += Base64Encode(key_id_and_signature);
  note += '\n';
  if (note.size() > kMaxNoteSize) {
    return Error::BadInput("the signed note would be " + std::to_string(note.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxNoteSize));
  }
  return note;
}

// ---- OpenNote ----

Result<SignedNote> SplitSignedNote(std::string_view signed_note) {
  const auto malformed = [](const std::string& why) {
    return Error::BadInput("the signed note is malformed: " + why);
  };
  if (signed_note.size() > kMaxNoteSize) {
    return malformed("it is " + std::to_string(signed_note.size()) +
                     " bytes, more than the limit of " + std::to_string(kMaxNoteSize));
  }
  VIGIL_RETURN_IF_ERROR(CheckNoteCharacters(signed_note, "the signed note"));
  const std::size_t split = signed_note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return malformed("there is no blank line between the text and the signatures");
  }
  SignedNote note{.text = std::string(signed_note.substr(0, split + 1))};
  std::string_view signatures = signed_note.substr(split + 2);
  if (signatures.empty()) return malformed("there are no signature lines after the blank line");
  if (signatures.back() != '\n') return malformed("the last signature line has no newline");
  while (!signatures.empty()) {
    const std::size_t end = signatures.find('\n');
    std::string_view line = signatures.substr(0, end);
    signatures.remove_prefix(end + 1);
    if (note.signatures.size() == kMaxNoteSignatures) {
      return malformed("it has more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    const std::string where = "signature line " + std::to_string(note.signatures.size() + 1);
    if (line.substr(0, kEmDashSpace.size()) != kEmDashSpace) {
      return malformed(where + " does not start with an em dash (U+2014) and a space");
    }
    line.remove_prefix(kEmDashSpace.size());
    std::string_view name;
    std::string_view signature_base64;
    if (!Chop(line, ' ', name, signature_base64) || signature_base64.empty()) {
      return malformed(where + " must be \"— NAME SIGNATURE\"");
    }
    if (Status status = CheckNoteKeyName(name); !status.ok()) {
      return status.error().WithContext("the signed note is malformed: " + where);
    }
    auto signature = Base64Decode(signature_base64);
    if (!signature.ok()) {
      return signature.error().WithContext("the signed note is malformed: " + where);
    }
    if (signature->size() <= kKeyIdSize) {
      return malformed(where + " has a signature of " + std::to_string(signature->size()) +
                       " bytes, too short to hold a key ID and a signature");
    }
    const std::uint32_t key_id = static_cast<std::uint32_t>((*signature)[0]) << 24 |
                                 static_cast<std::uint32_t>((*signature)[1]) << 16 |
                                 static_cast<std::uint32_t>((*signature)[2]) << 8 | (*signature)[3];
    note.signatures.push_back(
        {.name = std::string(name),
         .key_id = key_id,
         .signature = Bytes(signature->begin() + kKeyIdSize, signature->end())});
  }
  return note;
}

Result<std::string> OpenNote(std::string_view signed_note, const NoteVerifier& verifier) {
  VIGIL_ASSIGN_OR_RETURN(SignedNote note, SplitSignedNote(signed_note));
  bool verified = false;
  std::vector<const Bytes*> good;  // signatures by `verifier` already verified
  for (const NoteSignature& signature : note.signatures) {
    if (signature.name != verifier.name() || signature.key_id != verifier.key_id()) continue;
    const auto same = [&](const Bytes* seen) { return *seen == signature.signature; };
    if (std::find_if(good.begin(), good.end(), same) != good.end()) continue;
    VIGIL_RETURN_IF_ERROR(verifier.Verify(note.text, signature.signature));
    good.push_back(&signature.signature);
    verified = true;
  }
  if (!verified) {
    return Error::Failed("no signature by " + verifier.name() + " (key ID " +
                         KeyIdHex(verifier.key_id()) + ") on the note; check the verifier key");
  }
  return std::move(note.text);
}

}  // namespace vigil::tlog
