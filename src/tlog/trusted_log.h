// What an auditor keeps about a log it follows (`vigil log verify --trusted FILE`): the
// log's verifier key on the first line, then the last checkpoint it verified, absent the
// first time (trust on first use of the key's log). Only a checkpoint that was verified,
// and that extends this one, may replace it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

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

// The trusted file's text once the checkpoint `note` of the log is verified.
std::string FormatTrustedLog(const TrustedLog& trusted, std::string_view note);

}  // namespace vigil::tlog
