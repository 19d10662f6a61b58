// C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys (signature type 0x01):
// text followed by a blank line and signature lines "— NAME base64(key ID || signature)".
// Key texts are those of Go's golang.org/x/mod/sumdb/note, so keys made by either side work
// with the other:
//   verifier  NAME+KEYID+base64(0x01 || 32-byte public key)
//   signer    PRIVATE+KEY+NAME+KEYID+base64(0x01 || 32-byte seed)
// where KEYID is 8 lowercase hex digits of the key ID.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/ed25519.h"
#include "crypto/secret.h"

namespace vigil::tlog {

// The largest signed note accepted or produced (text and signatures).
inline constexpr std::size_t kMaxNoteSize = 1 << 20;
// The most signature lines a note may have (the spec asks verifiers to accept 16).
inline constexpr std::size_t kMaxNoteSignatures = 100;
// The signature type byte of Ed25519 in key texts and key IDs.
inline constexpr std::uint8_t kNoteEd25519Type = 0x01;

// Checks a key name: non-empty, valid UTF-8, with no Unicode space, no '+' and no control
// character (BadInput otherwise).
Status CheckNoteKeyName(std::string_view name);

// Checks a note text before signing: non-empty, ending with a newline, valid UTF-8 with no
// control character other than newline, at most kMaxNoteSize bytes (BadInput otherwise).
Status CheckNoteText(std::string_view text);

// The key ID of an Ed25519 key: the first 4 bytes, big-endian, of
// SHA-256(name || 0x0A || 0x01 || 32-byte public key).
std::uint32_t NoteKeyId(std::string_view name, const crypto::Ed25519PublicKeyBytes& public_key);
// The same for another signature type (C2SP's cosignatures are type 0x04).
std::uint32_t TypedKeyId(std::string_view name, std::uint8_t type,
                         const crypto::Ed25519PublicKeyBytes& public_key);

// A trusted Ed25519 note key: a name, its key ID and the public key. Cheap to copy.
class NoteVerifier {
 public:
  // Parses a verifier key text "NAME+KEYID+BASE64". Strict: the name must be valid, KEYID
  // exactly 8 lowercase hex digits equal to the key's ID, BASE64 canonical base64 of 0x01
  // followed by 32 key bytes (BadInput otherwise).
  static Result<NoteVerifier> Parse(std::string_view vkey);

  // The verifier of `public_key` under `name` (BadInput if the name is not valid).
  static Result<NoteVerifier> FromPublicKey(std::string_view name,
                                            const crypto::Ed25519PublicKeyBytes& public_key);

  // The key name.
  const std::string& name() const { return name_; }
  // The key ID (see NoteKeyId).
  std::uint32_t key_id() const { return key_id_; }
  // The 32-byte Ed25519 public key.
  const crypto::Ed25519PublicKeyBytes& public_key() const { return public_key_; }
  // The verifier key text "NAME+KEYID+BASE64", which Parse reads back.
  std::string Text() const;

  // OK if `signature` (without the key ID) is this key's signature of `text`; Failed
  // naming the key otherwise.
  Status Verify(std::string_view text, ByteView signature) const;

 private:
  friend class NoteSigner;
  NoteVerifier(std::string name, const crypto::Ed25519PublicKeyBytes& public_key);

  std::string name_;
  crypto::Ed25519PublicKeyBytes public_key_;
  std::uint32_t key_id_;
};

// An Ed25519 note signing key. Move-only; the seed is wiped when the signer is destroyed.
class NoteSigner {
 public:
  // A new key with a random seed under `name` (BadInput if the name is not valid).
  static Result<NoteSigner> Create(std::string_view name);

  // Parses a signer key text "PRIVATE+KEY+NAME+KEYID+BASE64". Strict as NoteVerifier::Parse,
  // and KEYID must be the ID of the seed's public key. Errors never quote the text; the
  // caller wipes its own copy of it.
  static Result<NoteSigner> FromText(std::string_view private_key_text);

  // The key name.
  const std::string& name() const { return verifier_.name(); }
  // The verifier of this key.
  const NoteVerifier& verifier() const { return verifier_; }
  // The verifier key text to publish ("NAME+KEYID+BASE64").
  std::string VerifierKey() const { return verifier_.Text(); }
  // The signer key text "PRIVATE+KEY+NAME+KEYID+BASE64" that FromText reads, as secret bytes
  // (store it 0600; never print it).
  crypto::SecretBytes PrivateKeyText() const;

  // Signs `text` (see CheckNoteText) and returns the signed note: the text, a blank line and
  // one signature line "— NAME base64(key ID || signature)".
  Result<std::string> Sign(std::string_view text) const;

 private:
  NoteSigner(crypto::SecretBytes seed, NoteVerifier verifier)
      : seed_(std::move(seed)), verifier_(std::move(verifier)) {}

  crypto::SecretBytes seed_;
  NoteVerifier verifier_;
};

// A signed note taken apart: its text (ending with a newline) and its signature lines, each
// the key name, the key ID and the signature bytes after it. BadInput, naming what is wrong,
// as OpenNote below; nothing is verified.
struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes signature;
};
struct SignedNote {
  std::string text;
  std::vector<NoteSignature> signatures;
};
Result<SignedNote> SplitSignedNote(std::string_view signed_note);

// Verifies a signed note against one trusted key and returns its text (which ends with a
// newline). The text ends at the last blank line; every line after it must be a signature
// line "— NAME BASE64" (U+2014 EM DASH, at most kMaxNoteSignatures). Signatures by other keys
// are ignored. Errors:
//  - BadInput if the note is malformed: larger than kMaxNoteSize, invalid UTF-8, a control
//    character other than newline, no blank line, a malformed signature line;
//  - Failed if a signature with the verifier's name and key ID does not verify, or if there
//    is no such signature ("no signature by NAME").
Result<std::string> OpenNote(std::string_view signed_note, const NoteVerifier& verifier);

}  // namespace vigil::tlog
