#include "base/debian_package.h"

#include <vector>

#include "base/subprocess.h"

namespace vigil {
namespace fs = std::filesystem;

bool IsDebianPackageName(std::string_view name) {
  return name.size() >= 2 && name.size() <= 128 &&
         std::string_view("abcdefghijklmnopqrstuvwxyz0123456789").find(name.front()) !=
             std::string_view::npos &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+.-") ==
             std::string_view::npos;
}

bool IsDebianVersion(std::string_view version) {
  return !version.empty() && version.size() <= 128 &&
         std::string_view("0123456789").find(version.front()) != std::string_view::npos &&
         version.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.+~:-") ==
             std::string_view::npos;
}

Result<fs::path> DownloadDebianPackage(const std::string& package, const std::string& version,
                                       const fs::path& dir, std::chrono::seconds timeout) {
  if (!IsDebianPackageName(package) || !IsDebianVersion(version)) {
    return Error::BadInput("'" + package + "=" + version +
                           "' is not a Debian package name and version");
  }
  const std::string wanted = package + "=" + version;
  Command fetch{.argv = {"apt-get", "download", "-q", wanted},
                .working_dir = dir.string(),
                .capture_stderr = true};
  VIGIL_ASSIGN_OR_RETURN(RunOutput fetched, Run(fetch, timeout));
  std::vector<fs::path> debs;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".deb") debs.push_back(entry.path());
  }
  if (!fetched.exit.ok() || error || debs.size() != 1) {
    std::string said = fetched.output;
    if (said.size() > 2000) said = said.substr(said.size() - 2000);
    while (!said.empty() && said.back() == '\n') said.pop_back();
    // One line: the message travels in logs and answers made of lines.
    for (char& c : said) {
      if (c == '\n') c = ' ';
    }
    return Error::MissingEnv("apt-get could not download " + wanted + " (apt-get said: " + said +
                             ")");
  }
  return debs.front();
}

}  // namespace vigil
