#include "builder/external_input.h"

#include <sys/stat.h>

#include "base/debian_package.h"
#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"

namespace vigil::builder {
namespace {

namespace fs = std::filesystem;

constexpr auto kFetchTimeout = std::chrono::minutes(30);

}  // namespace

std::string ExternalInput::Source() const {
  return url.empty() ? "debian:" + package + "=" + version : url;
}

bool IsInputName(std::string_view name) {
  return !name.empty() && name.size() <= 128 && name.front() != '.' && name.front() != '-' &&
         name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+~-") ==
             std::string_view::npos;
}

Result<fs::path> InputStore::Fetch(const ExternalInput& input, const fs::path& dir) const {
  if (!input.package.empty()) {
    return DownloadDebianPackage(input.package, input.version, dir, kFetchTimeout);
  }
  const fs::path file = dir / "download";
  // Redirects may not leave http(s); the size is bounded before the hash is.
  Command curl{.argv = {"curl", "--fail", "--silent", "--show-error", "--location", "--proto",
                        "=http,https", "--proto-redir", "=http,https", "--max-filesize",
                        std::to_string(kMaxInputSize), "--output", file.string(), "--", input.url},
               .capture_stderr = true};
  VIGIL_ASSIGN_OR_RETURN(RunOutput fetched, Run(curl, kFetchTimeout));
  if (!fetched.exit.ok()) {
    std::string said = fetched.output;
    if (said.size() > 1000) said = said.substr(said.size() - 1000);
    while (!said.empty() && said.back() == '\n') said.pop_back();
    return Error::MissingEnv("cannot download " + input.url + " (curl: " + said + ")");
  }
  return file;
}

Result<InputStore::Found> InputStore::Ensure(const ExternalInput& input) const {
  const std::string hex = input.pinned.hex();
  const fs::path kept = dir_ / hex;
  std::error_code error;
  if (fs::is_regular_file(kept, error)) {
    auto digest = crypto::Sha256OfFile(kept, kMaxInputSize);
    if (digest.ok() && *digest == input.pinned.sha256) return Found{kept, false};
    fs::remove(kept, error);  // damaged: fetch it again
  }
  fs::create_directories(dir_, error);
  if (error) return Error::Failed("cannot create " + dir_.string() + ": " + error.message());
  VIGIL_ASSIGN_OR_RETURN(TempDir download, TempDir::Create(dir_, ".fetch-"));
  auto file = Fetch(input, download.path());
  if (!file.ok()) return file.error().WithContext("input " + input.pinned.name);
  VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest digest,
                         crypto::Sha256OfFile(*file, kMaxInputSize));
  if (digest != input.pinned.sha256) {
    return Error::BadInput("input " + input.pinned.name + " from " + input.Source() +
                           " has SHA-256 " + crypto::Sha256Hex(digest) +
                           ", but the component pins " + hex +
                           ": nothing was built (check the pin in the builder's configuration)");
  }
  ::chmod(file->c_str(), 0444);
  fs::rename(*file, kept, error);
  if (error)
    return Error::Failed("cannot keep input " + input.pinned.name + ": " + error.message());
  return Found{kept, true};
}

}  // namespace vigil::builder
