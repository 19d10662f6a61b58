#include "builder/build_cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"

namespace vigil::builder {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::uint64_t kMaxToolSize = 2ull << 30;
constexpr std::uint64_t kMaxRecordSize = 1 << 20;
constexpr std::size_t kMaxTools = 10'000;

std::string Sha256HexOf(const std::string& text) {
  return crypto::Sha256Hex(crypto::Sha256(AsBytes(text)));
}

}  // namespace

std::string CacheKeyText(const CacheInputs& in) {
  std::string text =
      "vigil-build-cache 1\ncomponent " + in.component + "\nkey " + in.signing_key + "\ncommand";
  for (const std::string& arg : in.command) text += " " + Json(arg).dump();
  text +=
      "\ntree " + in.tree_id + "\nsource_date_epoch " + std::to_string(in.source_date_epoch) + "\n";
  for (const ExternalInput& input : in.inputs) {
    text += "input " + input.pinned.name + " " + input.pinned.hex() + "\n";
  }
  text += "tools " + in.tools_sha256 + "\npackages " + in.packages_sha256 + "\n";
  return text;
}

std::string CacheKey(const std::string& key_text) { return Sha256HexOf(key_text); }

Result<std::string> DirectoryDigest(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code error;
  for (fs::recursive_directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    if (it->is_symlink() || it->is_regular_file()) files.push_back(it->path());
    if (files.size() > kMaxTools) return Error::BadInput(dir.string() + " holds too many files");
  }
  if (error) return Error::Failed("cannot list " + dir.string() + ": " + error.message());
  std::sort(files.begin(), files.end());
  std::string listing;
  for (const fs::path& file : files) {
    const std::string name = fs::relative(file, dir).string();
    if (fs::is_symlink(fs::symlink_status(file, error))) {
      listing += "link " + Json(name).dump() + " " + Json(fs::read_symlink(file, error)).dump();
    } else {
      VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest digest,
                             crypto::Sha256OfFile(file, kMaxToolSize));
      listing += "file " + Json(name).dump() + " " + crypto::Sha256Hex(digest);
    }
    listing += "\n";
  }
  return Sha256HexOf(listing);
}

Result<std::string> InstalledPackagesDigest() {
  Command query{.argv = {"dpkg-query", "-W", "-f", "${binary:Package} ${Version}\\n"}};
  VIGIL_ASSIGN_OR_RETURN(RunOutput listed, Run(query, std::chrono::seconds(60)));
  if (!listed.exit.ok() || listed.output.empty()) {
    return Error::MissingEnv("dpkg-query could not list the installed packages");
  }
  return Sha256HexOf(listed.output);
}

std::optional<std::string> BuildCache::Find(const std::string& key) const {
  auto bytes = ReadFile(dir_ / (key + ".json"), kMaxRecordSize);
  if (!bytes.ok()) return std::nullopt;
  const Json record = Json::parse(bytes->begin(), bytes->end(), nullptr, false);
  if (!record.is_object() || !record.contains("entry") || !record["entry"].is_string()) {
    return std::nullopt;
  }
  return record["entry"].get<std::string>();
}

Status BuildCache::Store(const std::string& key, const std::string& key_text,
                         const std::string& entry) const {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) return Error::Failed("cannot create " + dir_.string() + ": " + error.message());
  const Json record{{"entry", entry}, {"key_text", key_text}};
  return WriteFileAtomic(dir_ / (key + ".json"), AsBytes(record.dump(2) + "\n"));
}

void BuildCache::Forget(const std::string& key) const {
  std::error_code error;
  fs::remove(dir_ / (key + ".json"), error);
}

}  // namespace vigil::builder
