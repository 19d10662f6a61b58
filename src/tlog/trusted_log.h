// What an auditor keeps about a log it follows (`vigil log verify --trusted FILE`): the
// log's verifier key on the first line, then the last checkpoint it verified, absent the
// first time (trust on first use of the key's log). Only a checkpoint that was verified,
// and that extends this one, may replace it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/receipt.h"

namespace vigil::tlog {

struct TrustedLog {
  std::string vkey;
  NoteVerifier verifier;                 // of vkey, for the log it names
  std::optional<Checkpoint> checkpoint;  // the last one verified
};

// Parses the text of the trusted file `name` (which names it in errors): BadInput for a
// private key or an empty first line, the verifier key's or the checkpoint's own error
// (the checkpoint must be signed by that key) otherwise.
Result<TrustedLog> ParseTrustedLog(std::string_view text, const std::string& name);

// Reads and parses the trusted file `path` (at most 64 KiB).
Result<TrustedLog> ReadTrustedLog(const std::filesystem::path& path);

// A verifier key given as its text (NAME+KEYID+BASE64, when no file of that name exists)
// or as a file whose first line is it (`vigil log vkey DIR > FILE`).
Result<NoteVerifier> ReadVerifierKey(const std::string& file_or_text);

// Reads and parses a receipt (C2SP tlog-proof) file of at most 1 MiB to check as well; a
// parse error names the file.
Result<Receipt> ReadReceiptFile(const std::filesystem::path& path);

// The trusted file's text once the checkpoint `note` of the log is verified.
std::string FormatTrustedLog(const TrustedLog& trusted, std::string_view note);

}  // namespace vigil::tlog
