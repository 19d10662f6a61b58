// Signed notes, checkpoints and receipts (tlog_note_test).
#include "tlog/note.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/base64.h"
#include "base/hex.h"
#include "tlog/checkpoint.h"
#include "tlog/hash.h"
#include "tlog/receipt.h"

namespace vigil::tlog {
namespace {

const std::string kEmDash = "\xe2\x80\x94";

// /work/shared/vectors/README.md, section "c2sp".
const std::string kExampleKey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
const std::string kExampleText = "This is an example message.\n";
const std::string kExampleSignature =
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=";
const std::string kExampleNote =
    kExampleText + "\n" + kEmDash + " example.com/foo " + kExampleSignature + "\n";

// The example of Go's golang.org/x/mod/sumdb/note documentation: both key texts and the note.
const std::string kGoVerifierKey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kGoSignerKey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kGoText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kGoNote = kGoText + "\n" + kEmDash +
                            " PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFY"
                            "C2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

NoteVerifier ExampleVerifier() {
  auto verifier = NoteVerifier::Parse(kExampleKey);
  EXPECT_TRUE(verifier.ok()) << verifier.error().message();
  return *verifier;
}

NoteSigner Signer(const std::string& name) {
  auto signer = NoteSigner::Create(name);
  EXPECT_TRUE(signer.ok()) << signer.error().message();
  return std::move(signer).value();
}

// A signature line by an unknown key, with `size` bytes after the key ID.
std::string ForeignLine(const std::string& name, std::size_t size = 64) {
  Bytes signature(4 + size, 0x5a);
  return kEmDash + " " + name + " " + Base64Encode(signature) + "\n";
}

ErrorCode OpenCode(const std::string& note, const NoteVerifier& verifier) {
  auto text = OpenNote(note, verifier);
  EXPECT_FALSE(text.ok()) << note;
  return text.ok() ? static_cast<ErrorCode>(0) : text.error().code();
}

// ---- keys ----

TEST(NoteKey, ParsesTheVectorKey) {
  NoteVerifier verifier = ExampleVerifier();
  EXPECT_EQ(verifier.name(), "example.com/foo");
  EXPECT_EQ(verifier.key_id(), 0x530d903au);
  EXPECT_EQ(NoteKeyId(verifier.name(), verifier.public_key()), 0x530d903au);
  EXPECT_EQ(verifier.Text(), kExampleKey);
  auto again = NoteVerifier::FromPublicKey("example.com/foo", verifier.public_key());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Text(), kExampleKey);
}

TEST(NoteKey, ReadsAndWritesGoKeyTexts) {
  auto signer = NoteSigner::FromText(kGoSignerKey);
  ASSERT_TRUE(signer.ok()) << signer.error().message();
  EXPECT_EQ(signer->name(), "PeterNeumann");
  EXPECT_EQ(signer->verifier().key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer->VerifierKey(), kGoVerifierKey);
  EXPECT_EQ(AsText(signer->PrivateKeyText().view()), kGoSignerKey);
  auto note = signer->Sign(kGoText);
  ASSERT_TRUE(note.ok()) << note.error().message();
  EXPECT_EQ(*note, kGoNote);
}

TEST(NoteKey, GeneratedKeyTextsRoundTrip) {
  NoteSigner signer = Signer("vigil.example/log");
  auto verifier = NoteVerifier::Parse(signer.VerifierKey());
  ASSERT_TRUE(verifier.ok()) << verifier.error().message();
  EXPECT_EQ(verifier->name(), "vigil.example/log");
  EXPECT_EQ(verifier->key_id(), signer.verifier().key_id());
  EXPECT_EQ(verifier->public_key(), signer.verifier().public_key());

  crypto::SecretBytes private_text = signer.PrivateKeyText();
  auto reloaded = NoteSigner::FromText(AsText(private_text.view()));
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message();
  EXPECT_EQ(reloaded->VerifierKey(), signer.VerifierKey());
  EXPECT_EQ(*reloaded->Sign("x\n"), *signer.Sign("x\n"));  // Ed25519 is deterministic
}

TEST(NoteKey, RejectsMalformedVerifierKeys) {
  const std::string bad[] = {
      "",
      "example.com/foo",
      "example.com/foo+530d903a",
      "+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",                 // empty name
      "example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  // uppercase ID
      "example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",   // 7 digits
      "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  // wrong ID
      "example.com/fo0+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  // other name
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2l",  // other key
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n",
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U",    // short base64
      "example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  // type 0x02
      "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2kAA==",
      "example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
  };
  for (const std::string& key : bad) {
    auto verifier = NoteVerifier::Parse(key);
    ASSERT_FALSE(verifier.ok()) << key;
    EXPECT_EQ(verifier.error().code(), ErrorCode::kBadInput) << key;
  }
}

TEST(NoteKey, RejectsMalformedSignerKeys) {
  const std::string bad[] = {
      kGoVerifierKey,
      "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // ID
      "PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      "PRIVATE+KEY+PeterNeumanm+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",  // name
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFy",  // key
      "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
      "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD",
      "PRIVATE+KEY+PeterNeumann+c74f20a3",
      "PRIVATE+KEY+",
  };
  for (const std::string& key : bad) {
    auto signer = NoteSigner::FromText(key);
    ASSERT_FALSE(signer.ok()) << key;
    EXPECT_EQ(signer.error().code(), ErrorCode::kBadInput) << key;
    // The secret part never appears in the message.
    EXPECT_EQ(signer.error().message().find("AYEKFALV"), std::string::npos);
  }
}

TEST(NoteKey, NameRules) {
  EXPECT_TRUE(CheckNoteKeyName("example.com/foo").ok());
  EXPECT_TRUE(CheckNoteKeyName("caf\xc3\xa9").ok());
  const std::string bad[] = {
      "",
      "a b",
      "a+b",
      "a\tb",
      "a\nb",
      "a\xc2\xa0z",     // U+00A0 NO-BREAK SPACE
      "a\xe3\x80\x80",  // U+3000 IDEOGRAPHIC SPACE
      "a\xe2\x80\xa8",  // U+2028 LINE SEPARATOR
      "\xff",           // not UTF-8
      "\xc3",           // truncated
      "\xc0\xaf",       // overlong '/'
  };
  for (const std::string& name : bad) {
    EXPECT_FALSE(CheckNoteKeyName(name).ok()) << name;
    EXPECT_FALSE(NoteSigner::Create(name).ok()) << name;
  }
}

// ---- opening notes ----

TEST(OpenNote, VerifiesTheVectorNote) {
  auto text = OpenNote(kExampleNote, ExampleVerifier());
  ASSERT_TRUE(text.ok()) << text.error().message();
  EXPECT_EQ(*text, kExampleText);
}

TEST(OpenNote, RejectsTamperedText) {
  std::string note = kExampleNote;
  note[0] = 't';
  EXPECT_EQ(OpenCode(note, ExampleVerifier()), ErrorCode::kFailed);
  // An extra line in the text.
  EXPECT_EQ(OpenCode("x\n" + kExampleNote, ExampleVerifier()), ErrorCode::kFailed);
}

TEST(OpenNote, RejectsTamperedSignature) {
  // A byte of the signature proper (after the key ID): the signature by the known key fails.
  std::string note = kExampleNote;
  const std::size_t at = note.find(kExampleSignature) + 20;
  note[at] = note[at] == 'A' ? 'B' : 'A';
  auto text = OpenNote(note, ExampleVerifier());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kFailed);
  EXPECT_NE(text.error().message().find("does not verify"), std::string::npos);
  // A byte of the key ID: the signature is by an unknown key, so none by the known one.
  note = kExampleNote;
  note[note.find(kExampleSignature)] = 'V';
  text = OpenNote(note, ExampleVerifier());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kFailed);
  EXPECT_NE(text.error().message().find("no signature by example.com/foo"), std::string::npos);
}

TEST(OpenNote, RejectsOtherKeys) {
  // Same name, another key.
  NoteSigner impostor = Signer("example.com/foo");
  auto text = OpenNote(kExampleNote, impostor.verifier());
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kFailed);
  EXPECT_NE(text.error().message().find("no signature by"), std::string::npos);
  // The vector's key under another name has another key ID.
  auto renamed = NoteVerifier::FromPublicKey("example.com/bar", ExampleVerifier().public_key());
  ASSERT_TRUE(renamed.ok());
  EXPECT_EQ(OpenCode(kExampleNote, *renamed), ErrorCode::kFailed);
  // A note signed by the impostor does not open with the real key.
  auto forged = impostor.Sign(kExampleText);
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(OpenCode(*forged, ExampleVerifier()), ErrorCode::kFailed);
}

TEST(OpenNote, IgnoresUnknownSignatures) {
  const std::string text = kExampleText + "\n";
  const std::string signatures = kExampleNote.substr(text.size());
  const std::string note = text + ForeignLine("witness.example/a") + signatures +
                           ForeignLine("example.com/foo2", 2000) + ForeignLine("x", 1);
  auto opened = OpenNote(note, ExampleVerifier());
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(*opened, kExampleText);
  // The same signature twice is fine.
  EXPECT_TRUE(OpenNote(kExampleNote + signatures, ExampleVerifier()).ok());
}

TEST(OpenNote, SignatureWithTheKnownNameAndIdMustVerify) {
  // A foreign signature that claims the verifier's name and key ID fails the whole note,
  // even next to a good one.
  Bytes claimed = {0x53, 0x0d, 0x90, 0x3a};
  claimed.resize(4 + 64, 0x11);
  const std::string bad_line = kEmDash + " example.com/foo " + Base64Encode(claimed) + "\n";
  EXPECT_EQ(OpenCode(kExampleNote + bad_line, ExampleVerifier()), ErrorCode::kFailed);
  // A claimed signature of the wrong length for Ed25519 does not verify either.
  claimed.resize(4 + 10);
  const std::string short_line = kEmDash + " example.com/foo " + Base64Encode(claimed) + "\n";
  EXPECT_EQ(OpenCode(kExampleNote + short_line, ExampleVerifier()), ErrorCode::kFailed);
}

TEST(OpenNote, RejectsMalformedNotes) {
  const std::string sig_line = kEmDash + " example.com/foo " + kExampleSignature + "\n";
  const std::string malformed[] = {
      "",
      kExampleText,                                                   // no signatures
      kExampleText + "\n",                                            // blank line, no signatures
      kExampleText + sig_line,                                        // no blank line
      kExampleText + "\n" + sig_line.substr(0, sig_line.size() - 1),  // no final newline
      kExampleText + "\n" + "- example.com/foo " + kExampleSignature + "\n",             // hyphen
      kExampleText + "\n" + "\xe2\x80\x93 example.com/foo " + kExampleSignature + "\n",  // en dash
      kExampleText + "\n" + kEmDash + "example.com/foo " + kExampleSignature + "\n",
      kExampleText + "\n" + kEmDash + " example.com/foo  " + kExampleSignature + "\n",
      kExampleText + "\n" + kEmDash + " example.com/foo\n",
      kExampleText + "\n" + kEmDash + " example.com/foo \n",
      kExampleText + "\n" + kEmDash + " example.com/foo " + kExampleSignature + " \n",
      kExampleText + "\n" + kEmDash + " example.com/foo " +
          kExampleSignature.substr(0, kExampleSignature.size() - 1) + "\n",  // padding
      kExampleText + "\n" + kEmDash + " example.com/foo+1 " + kExampleSignature + "\n",
      kExampleText + "\n" + kEmDash + " example.com/foo AAAAAA==\n",  // 4 bytes: only an ID
      kExampleText + "\n" + sig_line + "\n",                          // blank line at the end
      kExampleText + "\n" + sig_line + "extra\n",
      "This is an example message.\r\n\n" + sig_line,  // carriage return
      "This\tis an example message.\n\n" + sig_line,   // tab
      "This is \xff an example message.\n\n" + sig_line,
      "This is \xed\xa0\x80 a surrogate.\n\n" + sig_line,
      std::string("This is a NUL \0.\n\n", 18) + sig_line,
      kExampleText + "\n" + kEmDash + " example.com/foo " + kExampleSignature + "\r\n",
  };
  for (const std::string& note : malformed) {
    EXPECT_EQ(OpenCode(note, ExampleVerifier()), ErrorCode::kBadInput) << note;
  }
}

TEST(OpenNote, BoundsSignaturesAndSize) {
  const std::string text = kExampleText + "\n";
  const std::string signatures = kExampleNote.substr(text.size());
  std::string foreign;
  for (int i = 0; i < 99; ++i) foreign += ForeignLine("w" + std::to_string(i));
  EXPECT_TRUE(OpenNote(text + foreign + signatures, ExampleVerifier()).ok());  // 100 lines
  EXPECT_EQ(OpenCode(text + foreign + ForeignLine("one-more") + signatures, ExampleVerifier()),
            ErrorCode::kBadInput);

  NoteSigner signer = Signer("big.example");
  std::string big(kMaxNoteSize - 200, 'a');
  big += '\n';
  auto note = signer.Sign(big);
  ASSERT_TRUE(note.ok()) << note.error().message();
  EXPECT_TRUE(OpenNote(*note, signer.verifier()).ok());
  std::string too_big(kMaxNoteSize, 'a');
  too_big += '\n';
  EXPECT_FALSE(signer.Sign(too_big).ok());
  EXPECT_EQ(OpenCode(too_big + "\n" + ForeignLine("big.example"), signer.verifier()),
            ErrorCode::kBadInput);
}

// ---- signing ----

TEST(SignNote, RoundTrips) {
  NoteSigner signer = Signer("vigil.example/log");
  for (const std::string text : {"hello\n", "\n", "line one\n\nline three after a blank line\n",
                                 "ends with blanks\n\n\n", "caf\xc3\xa9 \xe2\x80\x94 unicode\n"}) {
    auto note = signer.Sign(text);
    ASSERT_TRUE(note.ok()) << note.error().message();
    EXPECT_EQ(note->substr(0, text.size() + 1), text + "\n");
    auto opened = OpenNote(*note, signer.verifier());
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    EXPECT_EQ(*opened, text);
  }
}

TEST(SignNote, RejectsInvalidText) {
  NoteSigner signer = Signer("vigil.example/log");
  for (const std::string text :
       {"", "no newline", "tab\there\n", "cr\r\n", "bad \xff utf-8\n", "\xe2\x80\n"}) {
    auto note = signer.Sign(text);
    ASSERT_FALSE(note.ok()) << text;
    EXPECT_EQ(note.error().code(), ErrorCode::kBadInput);
  }
}

// ---- checkpoints ----

Hash RootOf(std::uint8_t fill) {
  Hash hash;
  hash.fill(fill);
  return hash;
}

TEST(Checkpoint, FormatsAndParses) {
  Checkpoint checkpoint{"example.com/log", 20852163, RootOf(0x0a), {}};
  const std::string text = FormatCheckpointText(checkpoint);
  EXPECT_EQ(text, "example.com/log\n20852163\nCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo=\n");
  auto parsed = ParseCheckpointText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->origin, "example.com/log");
  EXPECT_EQ(parsed->size, 20852163u);
  EXPECT_EQ(parsed->root, RootOf(0x0a));
  EXPECT_TRUE(parsed->extensions.empty());

  checkpoint.size = 0;
  checkpoint.extensions = {"ext one", "ext two"};
  auto with_extensions = ParseCheckpointText(FormatCheckpointText(checkpoint));
  ASSERT_TRUE(with_extensions.ok()) << with_extensions.error().message();
  EXPECT_EQ(with_extensions->size, 0u);
  EXPECT_EQ(with_extensions->extensions, checkpoint.extensions);
  EXPECT_EQ(FormatCheckpointText(*with_extensions), FormatCheckpointText(checkpoint));

  checkpoint.size = UINT64_MAX;
  auto largest = ParseCheckpointText(FormatCheckpointText(checkpoint));
  ASSERT_TRUE(largest.ok()) << largest.error().message();
  EXPECT_EQ(largest->size, UINT64_MAX);
}

TEST(Checkpoint, ParsingIsStrict) {
  const std::string root = Base64Encode(RootOf(0x0a));
  const std::string malformed[] = {
      "",
      "example.com/log\n",
      "example.com/log\n5\n",
      "example.com/log\n5\n" + root,          // no final newline
      "\n5\n" + root + "\n",                  // empty origin
      "example.com/log\n\n" + root + "\n",    // empty size
      "example.com/log\n05\n" + root + "\n",  // leading zero
      "example.com/log\n00\n" + root + "\n",
      "example.com/log\n+5\n" + root + "\n",
      "example.com/log\n-5\n" + root + "\n",
      "example.com/log\n 5\n" + root + "\n",
      "example.com/log\n5 \n" + root + "\n",
      "example.com/log\n0x5\n" + root + "\n",
      "example.com/log\n18446744073709551616\n" + root + "\n",  // 2^64
      "example.com/log\n99999999999999999999\n" + root + "\n",
      "example.com/log\n5\n\n",
      "example.com/log\n5\n" + Base64Encode(Bytes(31, 1)) + "\n",
      "example.com/log\n5\n" + Base64Encode(Bytes(33, 1)) + "\n",
      "example.com/log\n5\n" + root.substr(0, root.size() - 1) + "\n",       // no padding
      "example.com/log\n5\nCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgp=\n",  // non-canonical
      "example.com/log\n5\n" + root + "\n\n",                                // empty extension
      "example.com/log\n5\n" + root + "\next\n\n",
      "example.com/log\r\n5\n" + root + "\n",
      "example.com/log\n5\n" + root + "\nbad\xff\n",
  };
  for (const std::string& text : malformed) {
    auto parsed = ParseCheckpointText(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput) << text;
  }
}

TEST(Checkpoint, OpensSignedCheckpoints) {
  NoteSigner signer = Signer("example.com/log");
  Checkpoint checkpoint{"example.com/log", 7, RootOf(0x42), {}};
  auto note = signer.Sign(FormatCheckpointText(checkpoint));
  ASSERT_TRUE(note.ok());
  auto opened = OpenCheckpoint(*note, signer.verifier(), "example.com/log");
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(opened->size, 7u);
  EXPECT_EQ(opened->root, RootOf(0x42));

  auto other_origin = OpenCheckpoint(*note, signer.verifier(), "example.com/other");
  ASSERT_FALSE(other_origin.ok());
  EXPECT_EQ(other_origin.error().code(), ErrorCode::kFailed);

  NoteSigner other = Signer("example.com/log");
  auto other_key = OpenCheckpoint(*note, other.verifier(), "example.com/log");
  ASSERT_FALSE(other_key.ok());
  EXPECT_EQ(other_key.error().code(), ErrorCode::kFailed);

  // A correctly signed note that is not a checkpoint.
  auto not_checkpoint =
      OpenCheckpoint(*signer.Sign("example.com/log\n"), signer.verifier(), "example.com/log");
  ASSERT_FALSE(not_checkpoint.ok());
  EXPECT_EQ(not_checkpoint.error().code(), ErrorCode::kBadInput);
}

// ---- receipts ----

Hash Leaf(std::string_view hex) { return LeafHash(*HexDecode(hex)); }

// A log with its signed checkpoints, built by hand on the reference tree's leaves (see
// /work/shared/vectors/README.md, section rfc6962).
struct TestLog {
  NoteSigner signer = Signer("example.com/log");

  std::string SignedCheckpoint(std::uint64_t size, const Hash& root) {
    auto note = signer.Sign(FormatCheckpointText({"example.com/log", size, root, {}}));
    EXPECT_TRUE(note.ok());
    return *note;
  }
};

TEST(Receipt, FormatsAndParses) {
  Receipt receipt{Bytes{'h', 'i'}, 73894, {RootOf(1), RootOf(2)}, "origin\n1\nroot\n\n— k s\n"};
  const std::string text = FormatReceipt(receipt);
  EXPECT_EQ(text,
            "c2sp.org/tlog-proof@v1\n"
            "extra aGk=\n"
            "index 73894\n" +
                Base64Encode(RootOf(1)) + "\n" + Base64Encode(RootOf(2)) +
                "\n"
                "\n"
                "origin\n1\nroot\n\n— k s\n");
  auto parsed = ParseReceipt(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->extra, receipt.extra);
  EXPECT_EQ(parsed->index, receipt.index);
  EXPECT_EQ(parsed->proof, receipt.proof);
  EXPECT_EQ(parsed->checkpoint, receipt.checkpoint);
  EXPECT_EQ(FormatReceipt(*parsed), text);

  // Without extra data and with an empty proof.
  Receipt bare{std::nullopt, 0, {}, "c\n"};
  EXPECT_EQ(FormatReceipt(bare), "c2sp.org/tlog-proof@v1\nindex 0\n\nc\n");
  auto parsed_bare = ParseReceipt(FormatReceipt(bare));
  ASSERT_TRUE(parsed_bare.ok()) << parsed_bare.error().message();
  EXPECT_FALSE(parsed_bare->extra.has_value());
  EXPECT_EQ(parsed_bare->index, 0u);
  EXPECT_TRUE(parsed_bare->proof.empty());
  EXPECT_EQ(parsed_bare->checkpoint, "c\n");
}

TEST(Receipt, ParsingIsStrict) {
  const std::string hash = Base64Encode(RootOf(7)) + "\n";
  const std::string checkpoint = "example.com/log\n1\n" + hash + "\n— k s\n";
  std::string many_hashes;
  for (std::size_t i = 0; i < kMaxReceiptProofHashes + 1; ++i) many_hashes += hash;
  const std::string malformed[] = {
      "",
      "c2sp.org/tlog-proof@v1\n",
      "c2sp.org/tlog-proof@v2\nindex 0\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1 \nindex 0\n\n" + checkpoint,
      "\nc2sp.org/tlog-proof@v1\nindex 0\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\r\nindex 0\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 00\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 01\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex -1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex \n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex  1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1 \n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nIndex 1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\n\n" + checkpoint,                       // no index
      "c2sp.org/tlog-proof@v1\nextra aGk=\n\n" + checkpoint,           // no index
      "c2sp.org/tlog-proof@v1\nindex 1\nextra aGk=\n\n" + checkpoint,  // extra after index
      "c2sp.org/tlog-proof@v1\nextra aGk=\nextra aGk=\nindex 1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nextra aGk\nindex 1\n\n" + checkpoint,   // missing padding
      "c2sp.org/tlog-proof@v1\nextra aGl=\nindex 1\n\n" + checkpoint,  // non-canonical
      "c2sp.org/tlog-proof@v1\nextra  aGk=\nindex 1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nextra\nindex 1\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + Base64Encode(Bytes(31, 0)) + "\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + Base64Encode(Bytes(33, 0)) + "\n\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1\n " + hash + "\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + many_hashes + "\n" + checkpoint,
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hash,         // ends in the proof
      "c2sp.org/tlog-proof@v1\nindex 1\n" + hash + "\n",  // no checkpoint
      "c2sp.org/tlog-proof@v1\nindex 1\n\n" + checkpoint.substr(0, checkpoint.size() - 1),
  };
  for (const std::string& text : malformed) {
    auto parsed = ParseReceipt(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput) << text;
  }
  // Exactly the maximum number of hashes is fine.
  auto most = ParseReceipt("c2sp.org/tlog-proof@v1\nindex 1\n" + many_hashes.substr(hash.size()) +
                           "\n" + checkpoint);
  ASSERT_TRUE(most.ok()) << most.error().message();
  EXPECT_EQ(most->proof.size(), kMaxReceiptProofHashes);
  // Oversize.
  std::string huge = "c2sp.org/tlog-proof@v1\nindex 1\n\n" + checkpoint;
  huge.insert(huge.size() - 10, kMaxReceiptSize, 'a');
  EXPECT_EQ(ParseReceipt(huge).error().code(), ErrorCode::kBadInput);
}

TEST(Receipt, VerifiesAOneEntryLog) {
  TestLog log;
  const Bytes entry = {'v', 'i', 'g', 'i', 'l'};
  Receipt receipt{entry, 0, {}, log.SignedCheckpoint(1, LeafHash(entry))};
  auto parsed = ParseReceipt(FormatReceipt(receipt));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();

  auto verified = VerifyReceipt(*parsed, log.signer.verifier(), "example.com/log");
  ASSERT_TRUE(verified.ok()) << verified.error().message();
  EXPECT_EQ(verified->size, 1u);
  EXPECT_TRUE(VerifyReceipt(*parsed, entry, log.signer.verifier(), "example.com/log").ok());

  // Another entry: with the extra line it is caught there, without it by the proof.
  const Bytes other = {'v', 'i', 'g', 'i', 'L'};
  EXPECT_EQ(VerifyReceipt(*parsed, other, log.signer.verifier(), "example.com/log").error().code(),
            ErrorCode::kFailed);
  Receipt bare = *parsed;
  bare.extra.reset();
  EXPECT_TRUE(VerifyReceipt(bare, entry, log.signer.verifier(), "example.com/log").ok());
  EXPECT_EQ(VerifyReceipt(bare, other, log.signer.verifier(), "example.com/log").error().code(),
            ErrorCode::kFailed);
  // The entry-less overload needs the extra line.
  EXPECT_EQ(VerifyReceipt(bare, log.signer.verifier(), "example.com/log").error().code(),
            ErrorCode::kBadInput);
  // Wrong origin, wrong key, wrong index, a proof where none is due.
  EXPECT_FALSE(VerifyReceipt(*parsed, log.signer.verifier(), "example.com/other").ok());
  TestLog other_log;
  EXPECT_FALSE(VerifyReceipt(*parsed, other_log.signer.verifier(), "example.com/log").ok());
  Receipt wrong_index = *parsed;
  wrong_index.index = 1;
  EXPECT_EQ(VerifyReceipt(wrong_index, log.signer.verifier(), "example.com/log").error().code(),
            ErrorCode::kFailed);
  Receipt extra_hash = *parsed;
  extra_hash.proof.push_back(RootOf(0));
  EXPECT_EQ(VerifyReceipt(extra_hash, log.signer.verifier(), "example.com/log").error().code(),
            ErrorCode::kFailed);
}

TEST(Receipt, VerifiesTheReferenceThreeLeafTree) {
  // Leaves "", 00, 10: root aeb6bcfe... (vectors README), built here from hash.h alone.
  const Hash l0 = Leaf("");
  const Hash l1 = Leaf("00");
  const Hash l2 = Leaf("10");
  const Hash root = NodeHash(NodeHash(l0, l1), l2);
  ASSERT_EQ(HexEncode(root), "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  TestLog log;
  const std::string checkpoint = log.SignedCheckpoint(3, root);
  const std::vector<std::pair<Receipt, std::string>> receipts = {
      {{std::nullopt, 0, {l1, l2}, checkpoint}, ""},
      {{std::nullopt, 1, {l0, l2}, checkpoint}, "00"},
      {{std::nullopt, 2, {NodeHash(l0, l1)}, checkpoint}, "10"},
  };
  for (const auto& [receipt, entry_hex] : receipts) {
    const Bytes entry = *HexDecode(entry_hex);
    auto parsed = ParseReceipt(FormatReceipt(receipt));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    auto verified = VerifyReceipt(*parsed, entry, log.signer.verifier(), "example.com/log");
    ASSERT_TRUE(verified.ok()) << entry_hex << ": " << verified.error().message();
    EXPECT_EQ(verified->root, root);
    // Swapped proof order, or the proof of another index, fail.
    Receipt tampered = *parsed;
    if (tampered.proof.size() == 2)
      std::swap(tampered.proof[0], tampered.proof[1]);
    else
      tampered.proof[0][0] ^= 1;
    EXPECT_EQ(
        VerifyReceipt(tampered, entry, log.signer.verifier(), "example.com/log").error().code(),
        ErrorCode::kFailed);
  }
}

}  // namespace
}  // namespace vigil::tlog

namespace vigil::tlog {
namespace {

TEST(CheckpointTimeTest, ReadsTheTimeExtensionStrictly) {
  Checkpoint checkpoint{"example.com/log", 1, {}, {"other ext", TimeExtension(1700000000)}};
  auto parsed = ParseCheckpointText(FormatCheckpointText(checkpoint));
  ASSERT_TRUE(parsed.ok());
  auto time = CheckpointTime(*parsed);
  ASSERT_TRUE(time.ok()) << time.error().message();
  EXPECT_EQ(*time, 1700000000);
  for (const char* bad : {"time ", "time 01", "time -5", "time 12a", "time 1234567890123456789"}) {
    checkpoint.extensions = {bad};
    EXPECT_FALSE(CheckpointTime(checkpoint).ok()) << bad;
  }
  checkpoint.extensions = {};
  EXPECT_FALSE(CheckpointTime(checkpoint).ok());
}

}  // namespace
}  // namespace vigil::tlog
