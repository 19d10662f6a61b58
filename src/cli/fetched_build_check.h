// What `vigil repo fetch` checks beyond TUF (docs/SPEC-tuf.md, "Beyond TUF"): that the
// fetched build is the one the signer signed and the ledger logged, and, for `current`, that
// the promotion the metadata names is in the ledger with enough maintainers' signatures, so
// a gateway holding the online `current` key still cannot promote alone.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/note.h"
#include "tlog/tile_reader.h"

namespace vigil::cli {

// The fetched build: FILE -> bytes, and its targets' custom metadata.
struct FetchedBuild {
  std::string component, build_id;
  std::map<std::string, Bytes> files;
  std::map<std::string, std::string> custom;
};

// Every subject of provenance.dsse.json verifies under `release_key_file` and is a fetched
// file with that digest, and the ledger holds the build's closed entry and the signature
// record of exactly this envelope. Returns how many subjects were checked.
Result<std::size_t> CheckBuildEvidence(const FetchedBuild& build,
                                       const std::string& release_key_file,
                                       const tlog::TileFetcher& ledger,
                                       const tlog::NoteVerifier& ledger_key);

// The promotion record at custom["promotion_index"] is proved in the ledger, names this
// build and its files' digests, and carries `threshold` clear-signed `Promote` commands of
// that build by distinct keys of `maintainers_keyring`. Returns the signers.
Result<std::vector<std::string>> CheckPromotion(const FetchedBuild& build,
                                                const std::string& maintainers_keyring,
                                                std::uint32_t threshold,
                                                const tlog::TileFetcher& ledger,
                                                const tlog::NoteVerifier& ledger_key);

}  // namespace vigil::cli
