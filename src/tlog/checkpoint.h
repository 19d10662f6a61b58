// C2SP transparency log checkpoints (https://c2sp.org/tlog-checkpoint): the note text
// "ORIGIN\nSIZE\nBASE64(ROOT)\n" plus optional extension lines, signed as a note.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tlog/hash.h"
#include "tlog/note.h"

namespace vigil::tlog {

// A log's tree head: the tree of `size` leaves has root hash `root`.
struct Checkpoint {
  std::string origin;                   // the log's identity, e.g. "example.com/log"
  std::uint64_t size = 0;               // number of leaves
  Hash root{};                          // RFC 6962 root hash of those leaves
  std::vector<std::string> extensions;  // opaque extension lines, each non-empty
};

// The checkpoint's note text: origin, size in decimal, base64 root, then one line per
// extension, each ending with a newline. The caller keeps the origin and the extensions
// non-empty and free of newlines (ParseCheckpointText rejects anything else).
std::string FormatCheckpointText(const Checkpoint& checkpoint);

// Parses a checkpoint note text (unsigned; see OpenCheckpoint). Strict: at least three lines,
// each non-empty and ending with a newline, a size in decimal without leading zeros (or "0")
// that fits 64 bits, a root that is canonical base64 of exactly 32 bytes, valid note text
// (see CheckNoteText). BadInput otherwise.
Result<Checkpoint> ParseCheckpointText(std::string_view text);

// Vigil's ledger stamps each checkpoint with its clock in an extension line
// "time UNIX_SECONDS" (decimal, no leading zeros), so that a relying party such as the
// signer can tell how fresh a checkpoint is.
inline constexpr std::string_view kTimeExtensionPrefix = "time ";
std::string TimeExtension(std::int64_t unix_seconds);
// The time in the checkpoint's (first) time extension; BadInput if it has none or it is
// malformed.
Result<std::int64_t> CheckpointTime(const Checkpoint& checkpoint);

// Opens a signed checkpoint: verifies the note with `verifier` (see OpenNote), parses its
// text and checks that its origin is `expected_origin` (Failed if it is another log's).
Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& verifier,
                                  std::string_view expected_origin);

}  // namespace vigil::tlog
