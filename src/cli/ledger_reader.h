// Reading a ledger over its public HTTP read API (C2SP tlog-tiles) the way an independent
// auditor would: every answer is bounded in size and checked against a signed checkpoint.
#pragma once

#include <chrono>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "http/client.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

namespace vigil::cli {

class LedgerReader {
 public:
  // `url` is http://HOST[:PORT][/] (no path, query or credentials); BadInput otherwise.
  // Each fetch must finish within `timeout` (connect, request and the whole answer).
  static Result<LedgerReader> Connect(const std::string& url,
                                      std::chrono::milliseconds timeout = kDefaultTimeout);
  static constexpr std::chrono::milliseconds kDefaultTimeout{60'000};

  // GETs `path` (without the leading slash). MissingEnv when the ledger cannot be reached
  // or does not answer in time, Failed for an HTTP error, a broken answer or one over the
  // size limits.
  Result<Bytes> Get(const std::string& path);

  // The ledger's latest checkpoint, verified with `verifier` for `origin`; `note` receives
  // the signed note text when given.
  Result<tlog::Checkpoint> Checkpoint(const tlog::NoteVerifier& verifier, const std::string& origin,
                                      std::string* note = nullptr);

  // Entry `index` of the tree `checkpoint`, read from its entry bundle and proved to be in
  // that tree with an inclusion proof computed from the ledger's hash tiles (Failed if the
  // ledger serves anything that does not lead to the checkpoint's root).
  Result<Bytes> ProvenEntry(std::uint64_t index, const tlog::Checkpoint& checkpoint);

 private:
  LedgerReader(http::Url url, http::ClientLimits limits) : url_(std::move(url)), limits_(limits) {}
  http::Url url_;
  http::ClientLimits limits_;
};

}  // namespace vigil::cli
