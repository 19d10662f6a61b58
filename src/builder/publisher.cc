#include "builder/publisher.h"

#include <nlohmann/json.hpp>

#include "base/file.h"

namespace vigil::builder {
namespace {

using Json = nlohmann::json;
constexpr std::uint64_t kMaxIndexSize = 16 << 20;
constexpr char kEnvelopeFile[] = "provenance.dsse.json";
constexpr char kReceiptFile[] = "build.tlog-proof";

}  // namespace

Result<std::filesystem::path> Publisher::Publish(const Publication& publication,
                                                 const std::filesystem::path& dist) {
  const fs::path channel = repository_ / "testing";
  const fs::path component_dir = channel / publication.component;
  const fs::path target = component_dir / publication.build_id;
  std::error_code ec;
  fs::create_directories(component_dir, ec);
  if (ec) return Error::Failed("cannot create " + component_dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(TempDir staging, TempDir::Create(component_dir, ".staging-"));
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

  Json artifacts = Json::array();
  for (const PublishedArtifact& artifact : publication.artifacts) {
    artifacts.push_back({{"name", artifact.name}, {"sha256", artifact.sha256}});
  }
  const std::string relative = publication.component + "/" + publication.build_id;
  Json entry{{"artifacts", artifacts},
             {"build_id", publication.build_id},
             {"commit", publication.commit},
             {"envelope", relative + "/" + kEnvelopeFile},
             {"key_id", publication.key_id},
             {"ledger_index", publication.ledger_index},
             {"path", relative},
             {"receipt", relative + "/" + kReceiptFile},
             {"signers", publication.signers},
             {"version", publication.version}};
  std::lock_guard lock(mutex_);
  const fs::path index_path = channel / "index.json";
  Json index{{"channel", "testing"}, {"components", Json::object()}};
  if (fs::exists(index_path)) {
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(index_path, kMaxIndexSize));
    Json existing = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (existing.is_object() && existing.contains("components") &&
        existing["components"].is_object()) {
      index = std::move(existing);
    }
  }
  index["components"][publication.component] = std::move(entry);
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(index_path, AsBytes(index.dump(2) + "\n")));
  return target;
}

}  // namespace vigil::builder
