#include "release/git_signatures.h"

#include <vector>

#include "git/git.h"
#include "release/detached_verifier.h"
#include "release/signature_blocks.h"

namespace vigil::release {
namespace {

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
    git_error_clear();
    return Error::BadInput("no git repository at or above " + path.string() +
                           "; run inside the repository or give --repo DIR");
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
  auto blocks = SplitSignatureBlocks(note, kMaxSignatureFiles);
  if (!blocks.ok()) {
    return blocks.error().WithContext("the signatures note of " + at.ids.commit);
  }
  std::vector<LabelledSignature> signatures;
  for (SignatureBlock& block : *blocks) {
    signatures.push_back({"note:" + at.ids.commit + "#" + std::to_string(signatures.size() + 1),
                          std::move(block.text), std::move(block.malformed)});
  }
  VIGIL_ASSIGN_OR_RETURN(auto verifier, DetachedVerifier::Create(keyring));
  return CountSignatures(*verifier, signatures, TreeSignaturePayload(at.ids.tree), threshold);
}

}  // namespace vigil::release
