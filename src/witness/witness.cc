#include "witness/witness.h"

#include "base/base64.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "crypto/hash.h"
#include "tlog/checkpoint.h"
#include "tlog/verify.h"

namespace vigil::witness {
namespace {

constexpr std::size_t kHashBytes = std::tuple_size_v<tlog::Hash>;

WitnessAnswer Answer(int status, std::string body) {
  return {.status = status, .body = std::move(body) + "\n"};
}

// The request's parts: the old size, the proof, the signed checkpoint.
struct AddRequest {
  std::uint64_t old_size = 0;
  std::vector<tlog::Hash> proof;
  std::string_view note;
};

// Splits off one line (without its newline); false when there is none.
bool NextLine(std::string_view& rest, std::string_view& line) {
  const auto end = rest.find('\n');
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

Result<AddRequest> ParseRequest(std::string_view body) {
  if (body.size() > kMaxAddCheckpointBytes) {
    return Error::BadInput("the request is larger than " + std::to_string(kMaxAddCheckpointBytes) +
                           " bytes");
  }
  AddRequest request;
  std::string_view line;
  if (!NextLine(body, line) || !line.starts_with("old ")) {
    return Error::BadInput("the request must start with \"old SIZE\"");
  }
  const ScannedNumber<std::uint64_t> old = ScanUnsigned(line.substr(4), 0, UINT64_MAX);
  if (!old.ok()) return Error::BadInput("old: not a decimal size");
  request.old_size = old.value;
  for (;;) {
    if (!NextLine(body, line)) return Error::BadInput("no empty line before the checkpoint");
    if (line.empty()) break;
    if (request.proof.size() == kMaxProofHashes) {
      return Error::BadInput("more than 63 consistency-proof hashes");
    }
    Result<Bytes> hash = Base64Decode(line);
    if (!hash.ok() || hash->size() != kHashBytes) {
      return Error::BadInput("a proof line is not base64 of a 32-byte hash");
    }
    tlog::Hash& out = request.proof.emplace_back();
    std::copy(hash->begin(), hash->end(), out.begin());
  }
  request.note = body;
  return request;
}

// The checkpoint's origin, read before its signature is checked, to find the log's key.
std::string_view OriginOf(std::string_view note) { return note.substr(0, note.find('\n')); }

}  // namespace

Result<std::unique_ptr<Witness>> Witness::Open(tlog::Cosigner cosigner,
                                               std::vector<WitnessedLog> logs,
                                               std::filesystem::path state_dir,
                                               std::function<std::uint64_t()> clock) {
  std::map<std::string, tlog::NoteVerifier> by_origin;
  for (WitnessedLog& log : logs) {
    if (log.origin.empty() || log.origin.find('\n') != std::string::npos) {
      return Error::BadInput("a log's origin must be one non-empty line");
    }
    if (!by_origin.emplace(log.origin, std::move(log.key)).second) {
      return Error::BadInput("the log " + log.origin + " is configured twice");
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error::Failed("cannot create " + state_dir.string() + ": " + ec.message());
  return std::unique_ptr<Witness>(new Witness(std::move(cosigner), std::move(by_origin),
                                              std::move(state_dir), std::move(clock)));
}

std::filesystem::path Witness::StatePath(std::string_view origin) const {
  return state_dir_ / (crypto::Sha256Hex(crypto::Sha256(AsBytes(origin))) + ".state");
}

// The state file: the origin, the size, the base64 root, one per line.
Result<Witness::State> Witness::Load(std::string_view origin) const {
  State state{.size = 0, .root = tlog::EmptyRoot()};
  const std::filesystem::path path = StatePath(origin);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return state;
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, 4096));
  std::string_view rest = AsText(bytes);
  std::string_view name, size, root;
  if (!NextLine(rest, name) || !NextLine(rest, size) || !NextLine(rest, root) || !rest.empty() ||
      name != origin) {
    return Error::Failed(path.string() + " is not this witness's state for " + std::string(origin));
  }
  const ScannedNumber<std::uint64_t> parsed = ScanUnsigned(size, 0, UINT64_MAX);
  Result<Bytes> hash = Base64Decode(root);
  if (!parsed.ok() || !hash.ok() || hash->size() != kHashBytes) {
    return Error::Failed(path.string() + " is damaged");
  }
  state.size = parsed.value;
  std::copy(hash->begin(), hash->end(), state.root.begin());
  return state;
}

WitnessAnswer Witness::AddCheckpoint(std::string_view body) {
  Result<AddRequest> request = ParseRequest(body);
  if (!request.ok()) return Answer(400, request.error().message());
  const std::string origin(OriginOf(request->note));
  const auto log = logs_.find(origin);
  if (log == logs_.end()) return Answer(404, "unknown log origin: " + origin);
  Result<tlog::Checkpoint> checkpoint = tlog::OpenCheckpoint(request->note, log->second, origin);
  if (!checkpoint.ok()) {
    if (checkpoint.error().exit_code() == 2) return Answer(400, checkpoint.error().message());
    return Answer(403, checkpoint.error().message());
  }
  if (request->old_size > checkpoint->size) {
    return Answer(400, "old size " + std::to_string(request->old_size) +
                           " is larger than the checkpoint's " + std::to_string(checkpoint->size));
  }
  const std::lock_guard<std::mutex> lock(mutex_);
  Result<State> held = Load(origin);
  if (!held.ok()) return Answer(500, held.error().message());
  if (request->old_size != held->size) {
    return {.status = 409,
            .content_type = std::string(kSizeContentType),
            .body = std::to_string(held->size) + "\n"};
  }
  if (checkpoint->size == 0 && checkpoint->root != tlog::EmptyRoot()) {
    return Answer(422, "an empty tree's root must be the empty hash");
  }
  if (request->old_size == 0) {
    if (!request->proof.empty()) return Answer(422, "a proof from the empty tree");
  } else {
    Status consistent = tlog::VerifyConsistency(held->size, checkpoint->size, request->proof,
                                                held->root, checkpoint->root);
    if (!consistent.ok()) {
      return Answer(422, "not consistent with the checkpoint of size " +
                             std::to_string(held->size) + ": " + consistent.error().message());
    }
  }
  const std::string text = tlog::FormatCheckpointText(*checkpoint);
  const std::string state = origin + "\n" + std::to_string(checkpoint->size) + "\n" +
                            Base64Encode(checkpoint->root) + "\n";
  // On disk before anyone sees the cosignature.
  Status saved = WriteFileAtomic(StatePath(origin), AsBytes(state), 0600);
  if (!saved.ok()) return Answer(500, "cannot keep the state: " + saved.error().message());
  Result<std::string> line = cosigner_.Cosign(text, clock_());
  if (!line.ok()) return Answer(500, line.error().message());
  return {.status = 200, .body = *line};
}

}  // namespace vigil::witness
