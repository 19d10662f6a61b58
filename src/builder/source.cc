#include "builder/source.h"

#include <git2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <variant>

#include "release/detached_verifier.h"

namespace vigil::builder {
namespace {

constexpr std::string_view kSignatureStart = "-----BEGIN PGP SIGNATURE-----";
constexpr std::size_t kMaxTags = 4096;

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;
using RepoPtr = GitPtr<git_repository, git_repository_free>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using CommitPtr = GitPtr<git_commit, git_commit_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using OdbObjectPtr = GitPtr<git_odb_object, git_odb_object_free>;

std::string GitMessage(const std::string& what) {
  const git_error* error = git_error_last();
  return what + ": " + (error != nullptr && error->message != nullptr ? error->message : "unknown");
}

std::string OidHex(const git_oid* oid) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, oid);
  return hex;
}

// The annotated tags whose target is `commit`: name -> tag object id.
Result<std::map<std::string, git_oid>> TagsOn(git_repository* repo, const git_oid& commit) {
  struct Walk {
    git_repository* repo;
    const git_oid* commit;
    std::map<std::string, git_oid> tags;
    std::size_t seen = 0;
  } walk{repo, &commit, {}, 0};
  const int rc = git_tag_foreach(
      repo,
      [](const char* name, git_oid* oid, void* payload) -> int {
        auto* w = static_cast<Walk*>(payload);
        if (++w->seen > kMaxTags) return 1;
        git_object* raw = nullptr;
        if (git_object_lookup(&raw, w->repo, oid, GIT_OBJECT_TAG) != 0) {
          git_error_clear();  // a lightweight tag: it cannot carry a signature
          return 0;
        }
        ObjectPtr object(raw);
        const git_oid* target = git_tag_target_id(reinterpret_cast<git_tag*>(object.get()));
        if (git_oid_equal(target, w->commit)) {
          std::string tag = name;
          if (tag.starts_with("refs/tags/")) tag.erase(0, 10);
          w->tags.emplace(tag, *oid);
        }
        return 0;
      },
      &walk);
  if (rc != 0 && walk.seen <= kMaxTags) return Error::Failed(GitMessage("listing tags"));
  return walk.tags;
}

// A tag object's signed payload and its detached signature (what `git verify-tag` checks).
bool SplitSignedTag(std::string_view raw, std::string_view* payload, std::string_view* signature) {
  const std::size_t at = raw.find(kSignatureStart);
  if (at == std::string_view::npos || (at > 0 && raw[at - 1] != '\n')) return false;
  *payload = raw.substr(0, at);
  *signature = raw.substr(at);
  return true;
}

}  // namespace

Result<VerifiedSource> FetchVerifiedSource(const SourcePolicy& policy,
                                           const std::filesystem::path& dest) {
  static const int initialized = git_libgit2_init();
  (void)initialized;
  git_clone_options options;
  git_clone_options_init(&options, GIT_CLONE_OPTIONS_VERSION);
  options.checkout_branch = policy.branch.c_str();
  git_repository* raw_repo = nullptr;
  if (git_clone(&raw_repo, policy.repository.c_str(), dest.c_str(), &options) != 0) {
    const std::string message = GitMessage("cannot clone " + policy.repository);
    if (message.find("reference") != std::string::npos) {
      return Error::BadInput(message + " (is branch '" + policy.branch + "' there?)");
    }
    return Error::MissingEnv(message);
  }
  RepoPtr repo(raw_repo);

  git_oid head;
  if (git_reference_name_to_id(&head, repo.get(), "HEAD") != 0) {
    return Error::BadInput(GitMessage("branch " + policy.branch));
  }
  VerifiedSource source;
  if (!policy.pinned_commit.empty()) {
    git_oid pinned;
    if (git_oid_fromstr(&pinned, policy.pinned_commit.c_str()) != 0) {
      return Error::BadInput("the pinned commit must be 40 hex digits");
    }
    git_object* target = nullptr;
    if (git_object_lookup(&target, repo.get(), &pinned, GIT_OBJECT_COMMIT) != 0) {
      return Error::Failed("the pinned commit " + policy.pinned_commit +
                           " is not in the repository");
    }
    ObjectPtr object(target);
    git_checkout_options checkout;
    git_checkout_options_init(&checkout, GIT_CHECKOUT_OPTIONS_VERSION);
    checkout.checkout_strategy = GIT_CHECKOUT_FORCE;
    if (git_checkout_tree(repo.get(), object.get(), &checkout) != 0 ||
        git_repository_set_head_detached(repo.get(), &pinned) != 0) {
      return Error::Failed(GitMessage("checking out " + policy.pinned_commit));
    }
    head = pinned;
  }
  source.commit = OidHex(&head);
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo.get(), &head) != 0) {
    return Error::Failed(GitMessage("reading commit " + source.commit));
  }
  CommitPtr commit(raw_commit);
  source.commit_time = static_cast<std::int64_t>(git_commit_time(commit.get()));
  source.version = source.commit.substr(0, 12);
  if (!policy.pinned_commit.empty()) return source;

  VIGIL_ASSIGN_OR_RETURN(auto tags, TagsOn(repo.get(), head));
  if (tags.empty()) {
    return Error::Failed("commit " + source.commit + " on " + policy.branch +
                         " has no annotated tag: a maintainer must sign a tag on it "
                         "(git tag -s)");
  }
  VIGIL_ASSIGN_OR_RETURN(auto verifier, release::DetachedVerifier::Create(policy.keyring));
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo.get()) != 0) return Error::Failed(GitMessage("odb"));
  OdbPtr odb(raw_odb);
  for (const auto& [name, oid] : tags) {
    git_odb_object* raw_object = nullptr;
    if (git_odb_read(&raw_object, odb.get(), &oid) != 0) {
      return Error::Failed(GitMessage("reading tag " + name));
    }
    OdbObjectPtr object(raw_object);
    const std::string_view raw(static_cast<const char*>(git_odb_object_data(object.get())),
                               git_odb_object_size(object.get()));
    std::string_view payload, signature;
    if (!SplitSignedTag(raw, &payload, &signature)) {
      source.refused.push_back("tag " + name + " is not signed");
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(auto verdicts, verifier->Verify(signature, payload, name));
    if (verdicts.empty()) source.refused.push_back("tag " + name + ": malformed signature");
    for (auto& verdict : verdicts) {
      if (auto* reason = std::get_if<std::string>(&verdict)) {
        source.refused.push_back("tag " + name + ": " + *reason);
        continue;
      }
      const auto& signer = std::get<release::ValidSigner>(verdict);
      if (std::find(policy.maintainers.begin(), policy.maintainers.end(), signer.fingerprint) ==
          policy.maintainers.end()) {
        source.refused.push_back("tag " + name + ": key " + signer.fingerprint +
                                 " is not a pinned maintainer");
        continue;
      }
      const bool counted =
          std::any_of(source.signers.begin(), source.signers.end(),
                      [&](const TagSigner& s) { return s.fingerprint == signer.fingerprint; });
      if (counted) continue;  // one maintainer counts once, however many tags they signed
      if (source.signers.empty()) source.version = name;
      source.signers.push_back({name, signer.fingerprint, signer.uid});
    }
  }
  if (static_cast<int>(source.signers.size()) < policy.threshold) {
    std::string reasons;
    for (const std::string& reason : source.refused) reasons += "; " + reason;
    return Error::Failed("commit " + source.commit + " is signed by " +
                         std::to_string(source.signers.size()) + " of the " +
                         std::to_string(policy.threshold) +
                         " distinct pinned maintainers required" + reasons);
  }
  return source;
}

}  // namespace vigil::builder
