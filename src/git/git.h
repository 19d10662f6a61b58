// Thin RAII and error helpers over libgit2, shared by the builder's source cache and the
// release signatures kept in git notes.
#pragma once

#include <git2.h>

#include <memory>
#include <string>

namespace vigil::git {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Ptr = std::unique_ptr<T, Deleter<T, Free>>;

using RepoPtr = Ptr<git_repository, git_repository_free>;
using ObjectPtr = Ptr<git_object, git_object_free>;
using CommitPtr = Ptr<git_commit, git_commit_free>;
using TreePtr = Ptr<git_tree, git_tree_free>;
using RemotePtr = Ptr<git_remote, git_remote_free>;
using OdbPtr = Ptr<git_odb, git_odb_free>;
using OdbObjectPtr = Ptr<git_odb_object, git_odb_object_free>;
using NotePtr = Ptr<git_note, git_note_free>;
using SignaturePtr = Ptr<git_signature, git_signature_free>;

// Initialises libgit2 once per process (idempotent, thread-safe).
void EnsureInitialized();

// "WHAT: <libgit2's last error message>".
std::string ErrorMessage(const std::string& what);

// The object id in lowercase hex.
std::string OidHex(const git_oid* oid);

}  // namespace vigil::git
