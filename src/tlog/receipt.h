// C2SP transparency log proofs (https://c2sp.org/tlog-proof), which Vigil hands out as
// receipts: an entry's index, its inclusion proof and the signed checkpoint it is proved
// against, verifiable offline with the log's key.
//
//   c2sp.org/tlog-proof@v1
//   extra BASE64        (optional; in Vigil, the entry itself)
//   index N
//   BASE64(HASH)        (zero or more proof hashes, from the leaf's sibling up)
//
//   CHECKPOINT          (the signed note, verbatim)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/hash.h"
#include "tlog/note.h"

namespace vigil::tlog {

// The first line of every receipt.
inline constexpr std::string_view kReceiptHeader = "c2sp.org/tlog-proof@v1";
// The most proof hashes a receipt may carry (enough for any 64-bit tree size).
inline constexpr std::size_t kMaxReceiptProofHashes = 64;
// The largest receipt accepted (the whole text).
inline constexpr std::size_t kMaxReceiptSize = 1 << 20;

// A parsed receipt. Nothing in it is trusted until VerifyReceipt succeeds.
struct Receipt {
  std::optional<Bytes> extra;  // the unauthenticated extra data, if the receipt has it
  std::uint64_t index = 0;     // zero-based index of the entry in the log
  std::vector<Hash> proof;     // inclusion proof, from the leaf's sibling up to the root's child
  std::string checkpoint;      // the signed checkpoint note, verbatim
};

// The receipt text (see the file comment). `checkpoint` is copied verbatim.
std::string FormatReceipt(const Receipt& receipt);

// Parses a receipt. Strict: the header line, an optional "extra BASE64" line, "index N" in
// decimal without leading zeros, at most kMaxReceiptProofHashes lines of canonical base64 of
// 32 bytes, an empty line, then a non-empty checkpoint ending with a newline; at most
// kMaxReceiptSize bytes in all. BadInput otherwise. The checkpoint is not verified here.
Result<Receipt> ParseReceipt(std::string_view text);

// Verifies that `entry` is in the log: opens the checkpoint with `verifier` and
// `origin` (see OpenCheckpoint), then checks the inclusion proof of LeafHash(entry) at the
// receipt's index against the checkpoint's root. If the receipt has extra data it must be
// `entry` itself. Returns the verified checkpoint; Failed if anything does not verify.
Result<Checkpoint> VerifyReceipt(const Receipt& receipt, ByteView entry,
                                 const NoteVerifier& verifier, std::string_view origin);

// The inclusion half of VerifyReceipt, for a caller that opened the checkpoint itself
// (ReceiptVerifier, which caches them): `entry`, and the receipt's extra data if it has
// any, is at the receipt's index in `checkpoint`'s tree.
Status VerifyReceiptInclusion(const Receipt& receipt, ByteView entry, const Checkpoint& checkpoint);

// The same with the entry taken from the receipt's extra data, as Vigil's receipts carry it
// (BadInput if the receipt has no extra line).
Result<Checkpoint> VerifyReceipt(const Receipt& receipt, const NoteVerifier& verifier,
                                 std::string_view origin);

}  // namespace vigil::tlog
