#include "kernel/kernel_source.h"

#include <cstdlib>
#include <vector>

#include "base/debian_package.h"
#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"

namespace vigil::kernel {
namespace fs = std::filesystem;
namespace {

constexpr auto kDownloadTimeout = std::chrono::minutes(20);
constexpr auto kUnpackTimeout = std::chrono::minutes(10);
constexpr std::uint64_t kMaxDebSize = 1ull << 30;

bool Matches(const fs::path& file, const crypto::Sha256Digest& want) {
  std::error_code error;
  if (!fs::is_regular_file(file, error)) return false;
  auto digest = crypto::Sha256OfFile(file, kMaxDebSize);
  return digest.ok() && *digest == want;
}

std::string Tail(const std::string& text) {
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

Result<fs::path> DefaultCacheDir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && xdg[0] == '/') {
    return fs::path(xdg) / "vigil";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    return fs::path(home) / ".cache" / "vigil";
  }
  return Error::MissingEnv("neither XDG_CACHE_HOME nor HOME is set: pass --cache DIR");
}

Result<fs::path> EnsureSourceDeb(const SourcePin& pin, const fs::path& cache_dir,
                                 const std::function<void(const std::string&)>& say) {
  const fs::path debs = cache_dir / "debs";
  const fs::path cached = debs / pin.DebFileName();
  if (Matches(cached, pin.deb_sha256)) return cached;
  std::error_code error;
  fs::create_directories(debs, error);
  if (error) return Error::Failed("cannot create " + debs.string() + ": " + error.message());

  say("downloading " + pin.package + "=" + pin.version + " with apt-get");
  VIGIL_ASSIGN_OR_RETURN(TempDir download, TempDir::Create(debs, ".download-"));
  auto got = DownloadDebianPackage(pin.package, pin.version, download.path(), kDownloadTimeout);
  if (!got.ok()) {
    return Error::MissingEnv(pin.package + "=" + pin.version + " is neither in " + debs.string() +
                             " nor in the package archive (" + got.error().message() +
                             "). Run 'apt-get update'; if Debian has moved on, run "
                             "scripts/kernel-pin-update and review the new pin");
  }
  VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest digest,
                         crypto::Sha256OfFile(*got, kMaxDebSize));
  if (digest != pin.deb_sha256) {
    return Error::BadInput(pin.DebFileName() + " has SHA-256 " + crypto::Sha256Hex(digest) +
                           ", but the spec pins " + crypto::Sha256Hex(pin.deb_sha256) +
                           ": the pin is wrong or the archive changed; "
                           "scripts/kernel-pin-update prints the current pin");
  }
  fs::rename(*got, cached, error);
  if (error) return Error::Failed("cannot move the package into " + debs.string());
  VIGIL_RETURN_IF_ERROR(FsyncDirectory(debs));
  return cached;
}

Result<fs::path> CheckSourceDeb(const SourcePin& pin, const fs::path& deb) {
  auto digest = crypto::Sha256OfFile(deb, kMaxDebSize);
  if (!digest.ok()) return digest.error().WithContext("the source package " + deb.string());
  if (*digest != pin.deb_sha256) {
    return Error::BadInput(deb.string() + " has SHA-256 " + crypto::Sha256Hex(*digest) +
                           ", but the spec pins " + crypto::Sha256Hex(pin.deb_sha256) + " for " +
                           pin.DebFileName() + ": it is another package or version");
  }
  return deb;
}

Result<fs::path> ExtractSource(const fs::path& deb, const fs::path& dir) {
  const fs::path unpacked = dir / "deb";
  VIGIL_ASSIGN_OR_RETURN(RunOutput extracted,
                         Run(Command{.argv = {"dpkg-deb", "-x", deb.string(), unpacked.string()},
                                     .capture_stderr = true},
                             kUnpackTimeout));
  if (!extracted.exit.ok()) {
    return Error::Failed("dpkg-deb could not unpack " + deb.string() + ": " +
                         Tail(extracted.output));
  }
  std::vector<fs::path> tarballs;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(unpacked / "usr" / "src", error)) {
    if (entry.path().extension() == ".xz") tarballs.push_back(entry.path());
  }
  if (error || tarballs.size() != 1) {
    return Error::BadInput(deb.string() +
                           " does not hold exactly one usr/src/*.tar.xz: it is not a "
                           "linux-source package");
  }
  VIGIL_ASSIGN_OR_RETURN(
      RunOutput untarred,
      Run(Command{.argv = {"tar", "-xJf", tarballs[0].string(), "-C", dir.string(),
                           "--no-same-owner", "--no-same-permissions"},
                  .capture_stderr = true},
          kUnpackTimeout));
  fs::remove_all(unpacked, error);
  if (!untarred.exit.ok()) {
    return Error::Failed("tar could not unpack " + tarballs[0].filename().string() + ": " +
                         Tail(untarred.output));
  }
  const fs::path root = dir / tarballs[0].stem().stem();  // linux-source-6.12
  if (!fs::is_regular_file(root / "Makefile", error)) {
    return Error::BadInput(tarballs[0].filename().string() + " does not unpack to " +
                           root.filename().string() + "/ with a Makefile");
  }
  return root;
}

}  // namespace vigil::kernel
