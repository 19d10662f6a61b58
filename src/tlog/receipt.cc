#include "tlog/receipt.h"

#include <algorithm>
#include <limits>

#include "base/base64.h"
#include "base/strict_number.h"
#include "tlog/verify.h"

namespace vigil::tlog {
namespace {

constexpr std::string_view kExtraPrefix = "extra ";
constexpr std::string_view kIndexPrefix = "index ";

Error Malformed(const std::string& why) {
  return Error::BadInput("the receipt is malformed: " + why);
}

// Parses a decimal uint64 without sign, leading zeros (except "0") or overflow.
Result<std::uint64_t> ParseIndex(std::string_view digits) {
  auto index = ParseUnsigned(digits, "the index", 0, kMaxUint64, LeadingZeros::kRefused);
  if (!index.ok()) return Malformed(index.error().message());
  return *index;
}

// Removes the next line (without its newline) from `rest`; false if there is no newline.
bool NextLine(std::string_view& rest, std::string_view& line) {
  const std::size_t end = rest.find('\n');
  if (end == std::string_view::npos) return false;
  line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return true;
}

}  // namespace

std::string FormatReceipt(const Receipt& receipt) {
  std::string text(kReceiptHeader);
  text += '\n';
  if (receipt.extra.has_value()) {
    text += kExtraPrefix;
    text += Base64Encode(*receipt.extra);
    text += '\n';
  }
  text += kIndexPrefix;
  text += std::to_string(receipt.index);
  text += '\n';
  for (const Hash& hash : receipt.proof) {
    text += Base64Encode(hash);
    text += '\n';
  }
  text += '\n';
  text += receipt.checkpoint;
  return text;
}

Result<Receipt> ParseReceipt(std::string_view text) {
  if (text.size() > kMaxReceiptSize) {
    return Malformed("it is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                     std::to_string(kMaxReceiptSize));
  }
  std::string_view rest = text;
  std::string_view line;
  if (!NextLine(rest, line) || line != kReceiptHeader) {
    return Malformed("the first line must be " + std::string(kReceiptHeader));
  }
  Receipt receipt;
  if (!NextLine(rest, line)) return Malformed("it ends after the first line");
  if (line.substr(0, kExtraPrefix.size()) == kExtraPrefix) {
    auto extra = Base64Decode(line.substr(kExtraPrefix.size()));
    if (!extra.ok()) return extra.error().WithContext("the receipt's extra line");
    receipt.extra = std::move(*extra);
    if (!NextLine(rest, line)) return Malformed("it ends after the extra line");
  }
  if (line.substr(0, kIndexPrefix.size()) != kIndexPrefix) {
    return Malformed("expected the line \"index N\" after the " +
                     std::string(receipt.extra ? "extra line" : "first line"));
  }
  VIGIL_ASSIGN_OR_RETURN(receipt.index, ParseIndex(line.substr(kIndexPrefix.size())));
  while (true) {
    if (!NextLine(rest, line)) {
      return Malformed("there is no empty line between the proof and the checkpoint");
    }
    if (line.empty()) break;
    if (receipt.proof.size() == kMaxReceiptProofHashes) {
      return Malformed("the proof has more than " + std::to_string(kMaxReceiptProofHashes) +
                       " hashes");
    }
    const std::string where = "proof hash " + std::to_string(receipt.proof.size() + 1);
    auto hash = Base64Decode(line);
    if (!hash.ok()) return hash.error().WithContext("the receipt's " + where);
    if (hash->size() != Hash().size()) {
      return Malformed(where + " is " + std::to_string(hash->size()) +
                       " bytes; a SHA-256 hash is 32");
    }
    Hash& out = receipt.proof.emplace_back();
    std::copy(hash->begin(), hash->end(), out.begin());
  }
  if (rest.empty()) return Malformed("there is no checkpoint after the proof");
  if (rest.back() != '\n') return Malformed("the checkpoint does not end with a newline");
  receipt.checkpoint = std::string(rest);
  return receipt;
}

Status VerifyReceiptInclusion(const Receipt& receipt, ByteView entry,
                              const Checkpoint& checkpoint) {
  if (receipt.extra.has_value() &&
      !std::equal(receipt.extra->begin(), receipt.extra->end(), entry.begin(), entry.end())) {
    return Error::Failed(
        "the receipt's extra data is not the entry; this receipt is for another entry");
  }
  const Status included = VerifyInclusion(receipt.index, checkpoint.size, LeafHash(entry),
                                          receipt.proof, checkpoint.root);
  if (!included.ok()) {
    return included.error().WithContext("the entry's inclusion proof (index " +
                                        std::to_string(receipt.index) + ", tree size " +
                                        std::to_string(checkpoint.size) + ") does not verify");
  }
  return OkStatus();
}

Result<Checkpoint> VerifyReceipt(const Receipt& receipt, ByteView entry,
                                 const NoteVerifier& verifier, std::string_view origin) {
  VIGIL_ASSIGN_OR_RETURN(Checkpoint checkpoint,
                         OpenCheckpoint(receipt.checkpoint, verifier, origin));
  VIGIL_RETURN_IF_ERROR(VerifyReceiptInclusion(receipt, entry, checkpoint));
  return checkpoint;
}

Result<Checkpoint> VerifyReceipt(const Receipt& receipt, const NoteVerifier& verifier,
                                 std::string_view origin) {
  if (!receipt.extra.has_value()) {
    return Error::BadInput(
        "the receipt has no extra line carrying the entry; give the entry to verify it against");
  }
  return VerifyReceipt(receipt, *receipt.extra, verifier, origin);
}

}  // namespace vigil::tlog
