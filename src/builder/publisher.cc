#include "builder/publisher.h"

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/file_hash.h"

namespace vigil::builder {
namespace {

using Json = nlohmann::json;
constexpr std::uint64_t kMaxIndexSize = 16 << 20;
constexpr char kEnvelopeFile[] = "provenance.dsse.json";
constexpr char kReceiptFile[] = "build.tlog-proof";
constexpr std::uint64_t kMaxArtifactSize = 4ull << 30;
constexpr std::uint64_t kMaxProofSize = 1 << 20;

Json EntryOf(const Publication& publication) {
  Json artifacts = Json::array();
  for (const PublishedArtifact& artifact : publication.artifacts) {
    artifacts.push_back({{"name", artifact.name}, {"sha256", artifact.hex()}});
  }
  const std::string relative = publication.component + "/" + publication.build_id;
  return Json{{"artifacts", artifacts},
              {"build_id", publication.build_id},
              {"commit", publication.commit},
              {"component", publication.component},
              {"envelope", relative + "/" + kEnvelopeFile},
              {"key_id", publication.key_id},
              {"ledger_index", publication.ledger_index},
              {"path", relative},
              {"receipt", relative + "/" + kReceiptFile},
              {"signers", publication.signers},
              {"version", publication.version}};
}

// The publication an entry describes (envelope and receipt not yet read); BadInput when it
// is not an entry EntryOf wrote.
Result<Publication> PublicationOf(const std::string& text) {
  const Json entry = Json::parse(text, nullptr, false);
  Publication publication;
  try {
    publication.component = entry.at("component").get<std::string>();
    publication.build_id = entry.at("build_id").get<std::string>();
    publication.commit = entry.at("commit").get<std::string>();
    publication.version = entry.at("version").get<std::string>();
    publication.key_id = entry.at("key_id").get<std::string>();
    publication.ledger_index = entry.at("ledger_index").get<std::uint64_t>();
    publication.signers = entry.at("signers").get<std::vector<std::string>>();
    for (const Json& artifact : entry.at("artifacts")) {
      auto digest = crypto::ParseSha256Hex(artifact.at("sha256").get<std::string>());
      if (!digest.ok()) return digest.error();
      publication.artifacts.push_back({artifact.at("name").get<std::string>(), *digest});
    }
  } catch (const Json::exception&) {
    return Error::BadInput("not an index entry of a published build");
  }
  if (entry.value("path", "") != publication.component + "/" + publication.build_id ||
      publication.component.find('/') != std::string::npos ||
      publication.build_id.find('/') != std::string::npos || publication.build_id.empty() ||
      publication.build_id.front() == '.') {
    return Error::BadInput("the entry's path is not its component's build directory");
  }
  return publication;
}

}  // namespace

Result<PublishedBuild> Publisher::Publish(const Publication& publication, const fs::path& dist) {
  const fs::path component_dir = repository_ / "testing" / publication.component;
  const fs::path target = component_dir / publication.build_id;
  std::error_code ec;
  fs::create_directories(component_dir, ec);
  if (ec) return Error::Failed("cannot create " + component_dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(TempDir staging, TempDir::Create(component_dir, ".staging-"));
  // A published build is public (mkdtemp made it 0700): the gateway, running as another
  // user, reads it to add it to testing.
  fs::permissions(staging.path(),
                  fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                      fs::perms::others_read | fs::perms::others_exec,
                  ec);
  if (ec) return Error::Failed("cannot open " + staging.path().string() + " to readers");
  // The build's files move into the channel (renamed when on one file system, else copied):
  // the builder keeps no other copy.
  for (const auto& entry : fs::directory_iterator(dist, ec)) {
    const fs::path to = staging.path() / entry.path().filename();
    fs::rename(entry.path(), to, ec);
    if (ec && ec == std::errc::cross_device_link) {
      ec.clear();
      fs::copy(entry.path(), to, fs::copy_options::recursive, ec);
    }
    if (ec) break;
  }
  if (ec) return Error::Failed("cannot move the build's files: " + ec.message());
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomic(staging.path() / kEnvelopeFile, AsBytes(publication.envelope)));
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomic(staging.path() / kReceiptFile, AsBytes(publication.receipt)));
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), target));
  staging.Release();
  const std::string entry = EntryOf(publication).dump();
  VIGIL_RETURN_IF_ERROR(UpdateIndex(publication.component, entry));
  return PublishedBuild{target, entry, publication};
}

Result<PublishedBuild> Publisher::Reread(const std::string& entry) const {
  VIGIL_ASSIGN_OR_RETURN(Publication publication, PublicationOf(entry));
  const fs::path dir = repository_ / "testing" / publication.component / publication.build_id;
  for (const PublishedArtifact& artifact : publication.artifacts) {
    auto digest = crypto::Sha256OfFile(dir / artifact.name, kMaxArtifactSize);
    if (!digest.ok() || *digest != artifact.sha256) {
      return Error::Failed("published artifact " + (dir / artifact.name).string() +
                           (digest.ok() ? " was changed" : " is unreadable"));
    }
  }
  auto envelope = ReadFile(dir / kEnvelopeFile, kMaxProofSize);
  auto receipt = ReadFile(dir / kReceiptFile, kMaxProofSize);
  if (!envelope.ok() || !receipt.ok()) {
    return Error::Failed("the published build in " + dir.string() +
                         " lost its envelope or receipt");
  }
  publication.envelope = std::string(AsText(*envelope));
  publication.receipt = std::string(AsText(*receipt));
  return PublishedBuild{dir, entry, std::move(publication)};
}

Status Publisher::Republish(const PublishedBuild& build) {
  return UpdateIndex(build.publication.component, build.entry);
}

Status Publisher::UpdateIndex(const std::string& component, const std::string& entry) {
  std::lock_guard lock(mutex_);
  const fs::path index_path = repository_ / "testing" / "index.json";
  Json index{{"channel", "testing"}, {"components", Json::object()}};
  if (fs::exists(index_path)) {
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(index_path, kMaxIndexSize));
    Json existing = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (existing.is_object() && existing.contains("components") &&
        existing["components"].is_object()) {
      index = std::move(existing);
    }
  }
  index["components"][component] = Json::parse(entry);
  return WriteFileAtomic(index_path, AsBytes(index.dump(2) + "\n"));
}

}  // namespace vigil::builder
