// Reading a ledger over its public HTTP read API (C2SP tlog-tiles) the way an independent
// auditor would: every answer is bounded in size and checked against a signed checkpoint.
#pragma once

#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

namespace httplib {
class Client;
}

namespace vigil::cli {

class LedgerReader {
 public:
  // `url` is http://HOST[:PORT][/] (no path, query or credentials); BadInput otherwise.
  static Result<LedgerReader> Connect(const std::string& url);
  LedgerReader(LedgerReader&&) noexcept;
  ~LedgerReader();

  // GETs `path` (without the leading slash). MissingEnv when the ledger cannot be reached,
  // Failed for an HTTP error or an answer over the size limit.
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
  explicit LedgerReader(std::string base);
  std::string base_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace vigil::cli
