#include "release/git_signatures.h"

#include <string_view>
#include <vector>

#include "git/git.h"
#include "release/detached_verifier.h"

namespace vigil::release {
namespace {

constexpr std::string_view kBegin = "-----BEGIN PGP SIGNATURE-----";
constexpr std::string_view kEnd = "-----END PGP SIGNATURE-----";

struct OpenRevision {
  git::RepoPtr repo;
  git_oid commit{};
  GitRevision ids;
};

Result<OpenRevision> Open(const std::filesystem::path& path, const std::string& revision) {
  git::EnsureInitialized();
  OpenRevision out;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, path.c_str(), 0, nullptr) != 0) {
    return Error::BadInput(git::ErrorMessage("no git repository at or above " + path.string()));
  }
  out.repo.reset(raw);
  git_object* object = nullptr;
  if (git_revparse_single(&object, out.repo.get(), revision.c_str()) != 0) {
    return Error::BadInput(git::ErrorMessage("unknown revision '" + revision + "'"));
  }
  git::ObjectPtr named(object);
  git_object* peeled = nullptr;
  if (git_object_peel(&peeled, named.get(), GIT_OBJECT_COMMIT) != 0) {
    return Error::BadInput(git::ErrorMessage("'" + revision + "' does not name a commit"));
  }
  git::ObjectPtr commit(peeled);
  out.commit = *git_object_id(commit.get());
  out.ids.commit = git::OidHex(&out.commit);
  out.ids.tree = git::OidHex(git_commit_tree_id(reinterpret_cast<git_commit*>(commit.get())));
  return out;
}

// The note's text; empty when the commit has none.
Result<std::string> ReadNote(const OpenRevision& at) {
  git_note* raw = nullptr;
  int rc = git_note_read(&raw, at.repo.get(), kSignaturesNotesRef, &at.commit);
  if (rc == GIT_ENOTFOUND) {
    git_error_clear();
    return std::string();
  }
  if (rc != 0) return Error::Failed(git::ErrorMessage("reading the signatures note"));
  git::NotePtr note(raw);
  std::string text = git_note_message(note.get());
  if (text.size() > kMaxNoteSize) {
    return Error::BadInput("the signatures note of " + at.ids.commit + " is above " +
                           std::to_string(kMaxNoteSize) + " bytes");
  }
  return text;
}

// Splits a note into its armoured signature blocks. Text outside the blocks (other than
// blank lines) becomes an entry of its own, rejected, so nothing in the note goes unseen.
Result<std::vector<LabelledSignature>> SplitNote(std::string_view note, const std::string& commit) {
  std::vector<LabelledSignature> out;
  auto label = [&] { return "note:" + commit + "#" + std::to_string(out.size() + 1); };
  while (!note.empty()) {
    std::size_t begin = note.find(kBegin);
    std::string_view before = note.substr(0, begin);
    if (before.find_first_not_of(" \t\r\n") != std::string_view::npos) {
      out.push_back({label(), "", "malformed: text outside a signature block"});
    }
    if (begin == std::string_view::npos) break;
    std::size_t end = note.find(kEnd, begin);
    if (end == std::string_view::npos) {
      out.push_back({label(), "", "malformed: a signature block without its END line"});
      break;
    }
    end += kEnd.size();
    out.push_back({label(), std::string(note.substr(begin, end - begin)) + "\n", ""});
    note.remove_prefix(end);
    if (out.size() > kMaxSignatureFiles) {
      return Error::BadInput("the signatures note of " + commit + " holds more than " +
                             std::to_string(kMaxSignatureFiles) + " signatures");
    }
  }
  return out;
}

}  // namespace

std::string TreeSignaturePayload(const std::string& tree_hex) {
  return "vigil-release-tree-v1\ntree " + tree_hex + "\n";
}

Result<GitRevision> SignGitRevision(const std::filesystem::path& repo, const std::string& revision,
                                    const SignOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(OpenRevision at, Open(repo, revision));
  VIGIL_ASSIGN_OR_RETURN(std::string note, ReadNote(at));
  VIGIL_ASSIGN_OR_RETURN(std::string armoured,
                         SignDetached(TreeSignaturePayload(at.ids.tree), options));
  if (!note.empty() && note.back() != '\n') note += '\n';
  note += armoured;
  if (note.size() > kMaxNoteSize) {
    return Error::BadInput("the signatures note of " + at.ids.commit + " would exceed " +
                           std::to_string(kMaxNoteSize) + " bytes");
  }
  // The note's commit records who added it: the repository's user, else vigil itself.
  git_signature* raw = nullptr;
  if (git_signature_default(&raw, at.repo.get()) != 0) {
    git_error_clear();
    if (git_signature_now(&raw, "vigil", "vigil@localhost") != 0) {
      return Error::Failed(git::ErrorMessage("making the note's author"));
    }
  }
  git::SignaturePtr author(raw);
  git_oid note_id;
  if (git_note_create(&note_id, at.repo.get(), kSignaturesNotesRef, author.get(), author.get(),
                      &at.commit, note.c_str(), /*force=*/1) != 0) {
    return Error::Failed(git::ErrorMessage("writing the signatures note"));
  }
  return at.ids;
}

Result<VerifyReport> VerifyGitRevision(const std::filesystem::path& repo,
                                       const std::string& revision,
                                       const std::filesystem::path& keyring, int threshold) {
  if (threshold < 1) return Error::BadInput("--threshold must be at least 1");
  VIGIL_ASSIGN_OR_RETURN(OpenRevision at, Open(repo, revision));
  VIGIL_ASSIGN_OR_RETURN(std::string note, ReadNote(at));
  VIGIL_ASSIGN_OR_RETURN(std::vector<LabelledSignature> signatures, SplitNote(note, at.ids.commit));
  VIGIL_ASSIGN_OR_RETURN(auto verifier, DetachedVerifier::Create(keyring));
  return CountSignatures(*verifier, signatures, TreeSignaturePayload(at.ids.tree), threshold);
}

}  // namespace vigil::release
