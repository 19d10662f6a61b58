#include "ledger/checkpoint_witnesses.h"

#include <future>
#include <set>
#include <thread>

#include "base/base64.h"
#include "base/printable.h"
#include "base/strict_number.h"

namespace vigil::ledger {
namespace {

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

// The witness's cosignature lines: one or more "— NAME ..." lines, nothing else.
bool AreCosignatureLines(std::string_view body, const std::string& name) {
  if (body.empty() || !body.ends_with('\n')) return false;
  const std::string prefix = "\u2014 " + name + " ";
  while (!body.empty()) {
    const auto end = body.find('\n');
    if (!body.substr(0, end).starts_with(prefix)) return false;
    body.remove_prefix(end + 1);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<CheckpointWitnesses>> CheckpointWitnesses::Create(
    tlog::WitnessPolicy policy, WitnessingOptions options) {
  std::map<std::string, http::Url> urls;
  std::set<std::string> reachable;
  for (const auto& [name, text] : policy.urls) {
    Result<http::Url> url = http::ParseUrl(text);
    if (!url.ok()) return url.error().WithContext("the witness " + name);
    urls.emplace(name, *url);
    reachable.insert(name);
  }
  if (!policy.quorum) {
    return Error::BadInput("the witness policy's quorum is none: the ledger needs no witnesses");
  }
  if (!tlog::QuorumMet(policy, reachable)) {
    return Error::BadInput(
        "the witnesses with a URL in the witness policy cannot meet its quorum " + *policy.quorum +
        ": give each witness line its URL (witness NAME " + "VKEY http://HOST:PORT)");
  }
  return std::unique_ptr<CheckpointWitnesses>(
      new CheckpointWitnesses(std::move(policy), std::move(urls), options));
}

Result<std::string> CheckpointWitnesses::Cosign(const std::string& note, std::uint64_t size,
                                                const tlog::ConsistencyProver& prove) {
  const auto deadline = std::chrono::steady_clock::now() + options_.wait;
  std::map<std::string, std::string> lines;  // per witness, verified
  std::map<std::string, std::string> errors;
  for (;;) {
    std::map<std::string, std::future<Result<std::string>>> asked;
    for (const auto& entry : urls_) {
      const std::string& name = entry.first;
      if (lines.contains(name)) continue;
      asked.emplace(name, std::async(std::launch::async, [this, &name, &note, size, &prove] {
                      return AskOne(name, note, size, prove);
                    }));
    }
    std::set<std::string> cosigned;
    for (auto& [name, answer] : asked) {
      Result<std::string> got = answer.get();
      if (got.ok()) {
        lines[name] = *got;
        errors.erase(name);
      } else {
        errors[name] = got.error().message();
      }
    }
    for (const auto& [name, line] : lines) cosigned.insert(name);
    if (tlog::QuorumMet(policy_, cosigned)) {
      std::string cosigned_note = note;
      for (const auto& [name, line] : lines) cosigned_note += line;
      return cosigned_note;
    }
    const auto pause = std::chrono::milliseconds(250);
    if (std::chrono::steady_clock::now() + pause >= deadline) break;
    std::this_thread::sleep_for(pause);
  }
  std::string why;
  for (const auto& [name, error] : errors) why += (why.empty() ? "" : "; ") + error;
  return Error::Failed("witness policy not met: " + *policy_.quorum +
                       " did not cosign the checkpoint of size " + std::to_string(size) +
                       " within " + std::to_string(options_.wait.count()) + " ms (" + why + ")");
}

Result<std::string> CheckpointWitnesses::AskOne(const std::string& name, const std::string& note,
                                                std::uint64_t size,
                                                const tlog::ConsistencyProver& prove) {
  std::uint64_t old_size = 0;
  {
    std::lock_guard lock(mutex_);
    old_size = witness_sizes_[name];
  }
  if (old_size > size) old_size = 0;  // asks the witness what it holds
  VIGIL_ASSIGN_OR_RETURN(http::Reply reply, Post(name, old_size, note, size, prove));
  if (reply.status == 409) {
    const std::string_view text = AsText(reply.body);
    const ScannedNumber<std::uint64_t> held =
        ScanUnsigned(text.substr(0, text.find('\n')), 0, kMaxUint64);
    if (!held.ok() || !text.ends_with('\n')) {
      return Error::Failed(name + " answered 409 without its tree size");
    }
    if (held.value > size) {
      return Error::Failed(name + " has cosigned a tree of " + std::to_string(held.value) +
                           " entries, more than this checkpoint's " + std::to_string(size) +
                           ": this log was rolled back or forked");
    }
    {
      std::lock_guard lock(mutex_);
      witness_sizes_[name] = held.value;
    }
    VIGIL_ASSIGN_OR_RETURN(reply, Post(name, held.value, note, size, prove));
  }
  const std::string body(AsText(reply.body));
  if (reply.status != 200) {
    return Error::Failed(name + " refused the checkpoint of size " + std::to_string(size) +
                         " with " + std::to_string(reply.status) + ": " +
                         Printable(body.substr(0, 200)));
  }
  if (!AreCosignatureLines(body, name)) {
    return Error::Failed(name + " answered 200 without its cosignature lines");
  }
  VIGIL_ASSIGN_OR_RETURN(tlog::SignedNote cosigned, tlog::SplitSignedNote(note + body));
  VIGIL_RETURN_IF_ERROR(policy_.witnesses.at(name).Verify(cosigned).status());
  std::lock_guard lock(mutex_);
  witness_sizes_[name] = size;
  return body;
}

Result<http::Reply> CheckpointWitnesses::Post(const std::string& name, std::uint64_t old_size,
                                              const std::string& note, std::uint64_t size,
                                              const tlog::ConsistencyProver& prove) {
  std::string body = "old " + std::to_string(old_size) + "\n";
  if (old_size > 0 && old_size != size) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<tlog::Hash> proof, prove(old_size));
    for (const tlog::Hash& hash : proof) body += Base64Encode(hash) + "\n";
  }
  body += "\n" + note;
  http::ClientLimits limits;
  limits.max_body = kMaxAnswerBytes;
  limits.deadline = options_.request_timeout;
  Result<http::Reply> reply = http::Post(urls_.at(name), "/add-checkpoint", AsBytes(body), limits,
                                         {{"Content-Type", "text/plain; charset=utf-8"}});
  if (!reply.ok()) return reply.error().WithContext(name);
  return reply;
}

}  // namespace vigil::ledger
