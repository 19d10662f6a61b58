#include "builder/source.h"

#include <algorithm>
#include <map>
#include <memory>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "git/git.h"
#include "release/detached_verifier.h"
#include "release/threshold.h"

namespace vigil::builder {
namespace {

constexpr std::string_view kSignatureStart = "-----BEGIN PGP SIGNATURE-----";
constexpr std::size_t kMaxTags = 4096;

using git::CommitPtr;
using git::ErrorMessage;
using git::ObjectPtr;
using git::OdbObjectPtr;
using git::OdbPtr;
using git::OidHex;
using git::RemotePtr;
using git::RepoPtr;
using git::TreePtr;

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
  if (rc != 0 && walk.seen <= kMaxTags) return Error::Failed(ErrorMessage("listing tags"));
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

// Each tag as a signature to count: its signed payload and detached signature, or why it
// has none.
Result<std::vector<release::LabelledSignature>> ReadSignedTags(
    git_repository* repo, const std::map<std::string, git_oid>& tags) {
  git_odb* raw_odb = nullptr;
  if (git_repository_odb(&raw_odb, repo) != 0) return Error::Failed(ErrorMessage("odb"));
  OdbPtr odb(raw_odb);
  std::vector<release::LabelledSignature> signed_tags;
  for (const auto& [name, oid] : tags) {
    git_odb_object* raw_object = nullptr;
    if (git_odb_read(&raw_object, odb.get(), &oid) != 0) {
      return Error::Failed(ErrorMessage("reading tag " + name));
    }
    OdbObjectPtr object(raw_object);
    const std::string_view raw(static_cast<const char*>(git_odb_object_data(object.get())),
                               git_odb_object_size(object.get()));
    release::LabelledSignature& tag = signed_tags.emplace_back();
    tag.label = name;
    std::string_view payload, signature;
    if (!SplitSignedTag(raw, &payload, &signature)) {
      tag.unreadable = "not signed";
      continue;
    }
    tag.text = std::string(signature);
    tag.signed_data = std::string(payload);
  }
  return signed_tags;
}

// Opens the bare mirror of `url` under `dir`, creating it the first time, and brings its
// branches and tags up to date (deleted upstream refs are pruned, so a withdrawn signed
// tag no longer counts).
Result<RepoPtr> FetchMirror(const std::string& url, const fs::path& dir) {
  // A local repository (the configuration makes a path absolute) that does not exist:
  // libgit2 would take the path for a URL and say only "unsupported URL protocol".
  if (url.find("://") == std::string::npos || url.starts_with("file://")) {
    const std::string path = url.starts_with("file://") ? url.substr(7) : url;
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      return Error::BadInput("the repository " + url +
                             " does not exist (a local path: no such directory); fix the "
                             "component's repository in the builder's configuration");
    }
  }
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, dir.c_str()) != 0) {
    git_error_clear();
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (git_repository_init(&raw, dir.c_str(), /*is_bare=*/1) != 0) {
      return Error::Failed(ErrorMessage("cannot create the mirror " + dir.string()));
    }
    RepoPtr created(raw);
    git_remote* remote = nullptr;
    if (git_remote_create_with_fetchspec(&remote, created.get(), "origin", url.c_str(),
                                         "+refs/heads/*:refs/heads/*") != 0 ||
        git_remote_add_fetch(created.get(), "origin", "+refs/tags/*:refs/tags/*") != 0) {
      git_remote_free(remote);
      return Error::Failed(ErrorMessage("cannot configure the mirror of " + url));
    }
    git_remote_free(remote);
    raw = created.release();
  }
  RepoPtr repo(raw);
  git_remote* raw_remote = nullptr;
  if (git_remote_lookup(&raw_remote, repo.get(), "origin") != 0) {
    return Error::Failed(ErrorMessage("the mirror of " + url));
  }
  RemotePtr remote(raw_remote);
  git_fetch_options fetch;
  git_fetch_options_init(&fetch, GIT_FETCH_OPTIONS_VERSION);
  fetch.prune = GIT_FETCH_PRUNE;
  fetch.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspec fetches every tag
  if (git_remote_fetch(remote.get(), nullptr, &fetch, nullptr) != 0) {
    return Error::MissingEnv(ErrorMessage("cannot fetch " + url));
  }
  return repo;
}

// Writes the commit's tree to TREES/TREE_ID once (into a temporary directory, then renamed).
Result<fs::path> MaterializeTree(git_repository* repo, git_commit* commit, const fs::path& trees) {
  git_tree* raw_tree = nullptr;
  if (git_commit_tree(&raw_tree, commit) != 0)
    return Error::Failed(ErrorMessage("reading the tree"));
  TreePtr tree(raw_tree);
  const fs::path target = trees / OidHex(git_tree_id(tree.get()));
  if (fs::is_directory(target)) return target;
  std::error_code ec;
  fs::create_directories(trees, ec);
  VIGIL_ASSIGN_OR_RETURN(TempDir staging, TempDir::Create(trees, ".checkout-"));
  git_checkout_options checkout;
  git_checkout_options_init(&checkout, GIT_CHECKOUT_OPTIONS_VERSION);
  checkout.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_DONT_UPDATE_INDEX;
  const std::string staging_path = staging.path().string();
  checkout.target_directory = staging_path.c_str();
  if (git_checkout_tree(repo, reinterpret_cast<git_object*>(tree.get()), &checkout) != 0) {
    return Error::Failed(ErrorMessage("checking out " + OidHex(git_commit_id(commit))));
  }
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), target));
  staging.Release();
  return target;
}

}  // namespace

struct SourceCache::Verifiers {
  // One per keyring path, with that keyring's content imported; replaced (and its GNUPGHOME
  // removed) when the file's content changes, so an edited keyring leaves nothing behind.
  struct Entry {
    std::string sha256;
    std::unique_ptr<release::DetachedVerifier> verifier;
  };
  std::map<fs::path, Entry> by_keyring;
};

SourceCache::SourceCache(fs::path root)
    : root_(std::move(root)), verifiers_(std::make_unique<Verifiers>()) {}
SourceCache::~SourceCache() = default;

Result<VerifiedSource> SourceCache::Fetch(const SourcePolicy& policy) {
  git::EnsureInitialized();
  std::lock_guard lock(mutex_);
  const std::string mirror_name =
      HexEncode(crypto::Sha256(AsBytes(policy.repository))).substr(0, 24);
  VIGIL_ASSIGN_OR_RETURN(
      RepoPtr repo, FetchMirror(policy.repository, root_ / "mirrors" / (mirror_name + ".git")));

  git_oid head;
  const std::string branch_ref = "refs/heads/" + policy.branch;
  if (git_reference_name_to_id(&head, repo.get(), branch_ref.c_str()) != 0) {
    git_error_clear();
    return Error::BadInput("branch '" + policy.branch + "' is not in " + policy.repository);
  }
  if (!policy.pinned_commit.empty()) {
    if (git_oid_fromstr(&head, policy.pinned_commit.c_str()) != 0) {
      return Error::BadInput("the pinned commit must be 40 hex digits");
    }
  }
  VerifiedSource source;
  source.commit = OidHex(&head);
  git_commit* raw_commit = nullptr;
  if (git_commit_lookup(&raw_commit, repo.get(), &head) != 0) {
    git_error_clear();
    return Error::Failed("commit " + source.commit + " is not in " + policy.repository);
  }
  CommitPtr commit(raw_commit);
  source.commit_time = static_cast<std::int64_t>(git_commit_time(commit.get()));
  source.version = source.commit.substr(0, 12);
  if (policy.pinned_commit.empty()) {
    VIGIL_RETURN_IF_ERROR(VerifyTags(repo.get(), head, policy, &source));
  }
  // Only a verified commit's files are written out.
  VIGIL_ASSIGN_OR_RETURN(source.tree, MaterializeTree(repo.get(), commit.get(), root_ / "trees"));
  source.tree_id = source.tree.filename().string();  // trees are named by their id
  return source;
}

Status SourceCache::VerifyTags(git_repository* repo, const git_oid& head,
                               const SourcePolicy& policy, VerifiedSource* source) {
  VIGIL_ASSIGN_OR_RETURN(auto tags, TagsOn(repo, head));
  if (tags.empty()) {
    return Error::Failed("commit " + source->commit + " on " + policy.branch +
                         " has no annotated tag: a maintainer must sign a tag on it "
                         "(git tag -s)");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes keyring, ReadFile(policy.keyring, release::kMaxKeyringSize));
  const std::string sha256 = HexEncode(crypto::Sha256(keyring));
  Verifiers::Entry& entry = verifiers_->by_keyring[policy.keyring];
  if (!entry.verifier || entry.sha256 != sha256) {
    entry.verifier.reset();  // the old keyring's GNUPGHOME goes now
    auto created = release::DetachedVerifier::Create(policy.keyring, root_ / "gnupg");
    if (!created.ok()) {
      verifiers_->by_keyring.erase(policy.keyring);
      return created.error();
    }
    entry = {sha256, std::move(created).value()};
  }
  VIGIL_ASSIGN_OR_RETURN(std::vector<release::LabelledSignature> signed_tags,
                         ReadSignedTags(repo, tags));
  // The M-of-N rule of every release signature (release/threshold.h): each pinned
  // maintainer counts once, however many tags they signed.
  VIGIL_ASSIGN_OR_RETURN(release::VerifyReport report,
                         release::CountSignatures(*entry.verifier, signed_tags, {},
                                                  policy.threshold, policy.maintainers));
  for (const release::RejectedSignature& rejected : report.invalid) {
    source->refused.push_back("tag " + rejected.file + ": " + rejected.reason);
  }
  for (const release::ValidSigner& signer : report.valid) {
    if (source->signers.empty()) source->version = signer.file;
    source->signers.push_back({signer.file, signer.fingerprint, signer.uid});
  }
  if (!report.ok()) {
    std::string reasons;
    for (const std::string& reason : source->refused) reasons += "; " + reason;
    return Error::Failed("commit " + source->commit + " is signed by " +
                         std::to_string(source->signers.size()) + " of the " +
                         std::to_string(policy.threshold) +
                         " distinct pinned maintainers required" + reasons);
  }
  return OkStatus();
}

}  // namespace vigil::builder
