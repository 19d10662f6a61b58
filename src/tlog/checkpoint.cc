#include "tlog/checkpoint.h"

#include <algorithm>
#include <limits>

#include "base/base64.h"
#include "base/strict_number.h"

namespace vigil::tlog {
namespace {

Error Malformed(const std::string& why) {
  return Error::BadInput("the checkpoint is malformed: " + why);
}

// Parses a decimal uint64 without sign, leading zeros (except "0") or overflow.
Result<std::uint64_t> ParseSize(std::string_view digits) {
  auto size =
      ParseUnsigned(digits, "the tree size (line 2)", 0, kMaxUint64, LeadingZeros::kRefused);
  if (!size.ok()) return Malformed(size.error().message());
  return *size;
}

}  // namespace

std::string FormatCheckpointText(const Checkpoint& checkpoint) {
  std::string text = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                     Base64Encode(checkpoint.root) + "\n";
  for (const std::string& extension : checkpoint.extensions) {
    text += extension;
    text += '\n';
  }
  return text;
}

std::string TimeExtension(std::int64_t unix_seconds) {
  return std::string(kTimeExtensionPrefix) + std::to_string(unix_seconds);
}

Result<std::int64_t> CheckpointTime(const Checkpoint& checkpoint) {
  for (const std::string& extension : checkpoint.extensions) {
    if (!extension.starts_with(kTimeExtensionPrefix)) continue;
    const std::string_view digits = std::string_view(extension).substr(kTimeExtensionPrefix.size());
    // At most 18 digits, so that it fits an int64.
    const ScannedNumber<std::uint64_t> seconds =
        ScanUnsigned(digits, 0, 999'999'999'999'999'999, LeadingZeros::kRefused);
    if (!seconds.ok()) return Error::BadInput("the checkpoint's time extension is malformed");
    return static_cast<std::int64_t>(seconds.value);
  }
  return Error::BadInput("the checkpoint carries no time (a \"time\" extension line)");
}

Result<Checkpoint> ParseCheckpointText(std::string_view text) {
  if (Status status = CheckNoteText(text); !status.ok()) {
    return status.error().WithContext("the checkpoint is malformed");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t end = rest.find('\n');  // found: the text ends with a newline
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) {
    return Malformed("it has " + std::to_string(lines.size()) +
                     " lines; it needs the origin, the tree size and the root hash");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) return Malformed("line " + std::to_string(i + 1) + " is empty");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  VIGIL_ASSIGN_OR_RETURN(checkpoint.size, ParseSize(lines[1]));
  auto root = Base64Decode(lines[2]);
  if (!root.ok()) return root.error().WithContext("the checkpoint's root hash (line 3)");
  if (root->size() != checkpoint.root.size()) {
    return Malformed("the root hash (line 3) is " + std::to_string(root->size()) +
                     " bytes; a SHA-256 hash is 32");
  }
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) checkpoint.extensions.emplace_back(lines[i]);
  return checkpoint;
}

Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const NoteVerifier& verifier,
                                  std::string_view expected_origin) {
  VIGIL_ASSIGN_OR_RETURN(std::string text, OpenNote(signed_note, verifier));
  VIGIL_ASSIGN_OR_RETURN(Checkpoint checkpoint, ParseCheckpointText(text));
  if (checkpoint.origin != expected_origin) {
    return Error::Failed("the checkpoint is for the log \"" + checkpoint.origin +
                         "\", expected \"" + std::string(expected_origin) +
                         "\"; check the log's origin and key");
  }
  return checkpoint;
}

}  // namespace vigil::tlog
