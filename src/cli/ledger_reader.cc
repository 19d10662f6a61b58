#include "cli/ledger_reader.h"

#include "tlog/prove.h"
#include "tlog/tile.h"
#include "tlog/tile_reader.h"
#include "tlog/verify.h"

namespace vigil::cli {
namespace {

constexpr std::size_t kMaxResponseSize = 17u << 20;  // a full entry bundle fits
constexpr std::uint64_t kEntriesPerBundle = 256;

}  // namespace

Result<LedgerReader> LedgerReader::Connect(const std::string& url,
                                           std::chrono::milliseconds timeout) {
  auto parsed = http::ParseUrl(url);
  if (!parsed.ok()) return parsed.error().WithContext("--ledger");
  http::ClientLimits limits;
  limits.max_body = kMaxResponseSize;
  limits.deadline = timeout;
  return LedgerReader(std::move(parsed).value(), limits);
}

Result<Bytes> LedgerReader::Get(const std::string& path) {
  auto response = http::Get(url_, "/" + path, limits_);
  if (!response.ok()) {
    if (response.error().code() == ErrorCode::kMissingEnv) {
      return response.error().WithContext("cannot reach the ledger");
    }
    return response.error().WithContext("the ledger broke HTTP");
  }
  if (response->status != 200) {
    return Error::Failed(url_.ToString() + "/" + path + ": HTTP " +
                         std::to_string(response->status));
  }
  return std::move(response->body);
}

Result<tlog::Checkpoint> LedgerReader::Checkpoint(const tlog::NoteVerifier& verifier,
                                                  const std::string& origin, std::string* note) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, Get("checkpoint"));
  const std::string text(bytes.begin(), bytes.end());
  auto checkpoint = tlog::OpenCheckpoint(text, verifier, origin);
  if (!checkpoint.ok()) return checkpoint.error().WithContext("the ledger's checkpoint");
  if (note != nullptr) *note = text;
  return checkpoint;
}

Result<Bytes> LedgerReader::ProvenEntry(std::uint64_t index, const tlog::Checkpoint& checkpoint) {
  if (index >= checkpoint.size) {
    return Error::Failed("entry " + std::to_string(index) + " is beyond the ledger's tree (size " +
                         std::to_string(checkpoint.size) + ")");
  }
  const std::uint64_t bundle = index / kEntriesPerBundle;
  const int width = tlog::TileWidth(checkpoint.size, 0, bundle);
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, Get(tlog::EntryBundlePath(bundle, width)));
  VIGIL_ASSIGN_OR_RETURN(std::vector<Bytes> entries,
                         tlog::DecodeEntryBundle(bytes, static_cast<std::size_t>(width)));
  Bytes entry = std::move(entries[index % kEntriesPerBundle]);
  auto read = tlog::MakeTileHashReader(checkpoint.size,
                                       [this](const std::string& path) { return Get(path); });
  VIGIL_ASSIGN_OR_RETURN(std::vector<tlog::Hash> proof,
                         tlog::InclusionProof(index, checkpoint.size, read));
  Status included =
      tlog::VerifyInclusion(index, checkpoint.size, tlog::LeafHash(entry), proof, checkpoint.root);
  if (!included.ok()) {
    return included.error().WithContext("entry " + std::to_string(index) +
                                        " served by the ledger is not in its signed tree");
  }
  return entry;
}

}  // namespace vigil::cli
