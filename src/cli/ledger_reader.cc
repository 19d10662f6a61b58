#include "cli/ledger_reader.h"

#include <httplib.h>

#include "tlog/prove.h"
#include "tlog/tile.h"
#include "tlog/tile_reader.h"
#include "tlog/verify.h"

namespace vigil::cli {
namespace {

constexpr std::size_t kMaxResponseSize = 17u << 20;  // a full entry bundle fits
constexpr std::uint64_t kEntriesPerBundle = 256;

}  // namespace

Result<LedgerReader> LedgerReader::Connect(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  std::string_view host = url;
  if (host.starts_with(kScheme)) host.remove_prefix(kScheme.size());
  if (!host.empty() && host.back() == '/') host.remove_suffix(1);
  const bool valid = url.starts_with(kScheme) && !host.empty() && host.size() <= 255 &&
                     host.find_first_not_of(
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:[]") ==
                         std::string_view::npos;
  if (!valid) {
    return Error::BadInput("--ledger must look like http://HOST:PORT, not '" + url + "'");
  }
  std::string base = url;
  if (base.back() == '/') base.pop_back();
  return LedgerReader(base);
}

LedgerReader::LedgerReader(std::string base)
    : base_(base), client_(std::make_unique<httplib::Client>(base)) {
  client_->set_connection_timeout(10);
  client_->set_read_timeout(30);
}

LedgerReader::LedgerReader(LedgerReader&&) noexcept = default;
LedgerReader::~LedgerReader() = default;

Result<Bytes> LedgerReader::Get(const std::string& path) {
  Bytes body;
  bool too_large = false;
  auto response = client_->Get(("/" + path).c_str(), httplib::Headers{},
                               [&](const char* data, std::size_t length) {
                                 if (body.size() + length > kMaxResponseSize) {
                                   too_large = true;
                                   return false;
                                 }
                                 body.insert(body.end(), data, data + length);
                                 return true;
                               });
  if (too_large) {
    return Error::Failed(base_ + "/" + path + ": the response is over the size limit");
  }
  if (!response) {
    return Error::MissingEnv("cannot reach the ledger at " + base_ + ": " +
                             httplib::to_string(response.error()));
  }
  if (response->status != 200) {
    return Error::Failed(base_ + "/" + path + ": HTTP " + std::to_string(response->status));
  }
  return body;
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
