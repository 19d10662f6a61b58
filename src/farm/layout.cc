#include "farm/layout.h"

#include "base/file.h"

namespace vigil::farm {

Status CheckFarm(const FarmLayout& farm) {
  const std::pair<fs::path, bool> parts[] = {// path, whether a directory
                                             {farm.builder_config(), false},
                                             {farm.signer_config(), false},
                                             {farm.ca() / "ca.crt", false},
                                             {farm.ledger_dir(), true},
                                             {farm.run(), true},
                                             {farm.logs(), true},
                                             {farm.repository(), true},
                                             {farm.signing_key(), false}};
  for (const auto& [path, directory] : parts) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    const bool ok = directory ? fs::is_directory(status) : fs::is_regular_file(status);
    if (!ok) {
      return Error::BadInput(farm.dir.string() +
                             " holds a builder.toml but is not a farm made by " +
                             "`vigil farm up`: it has no " + (directory ? "directory " : "file ") +
                             path.lexically_relative(farm.dir).string() +
                             "; give `vigil farm up` a new or empty directory, or a farm's own");
    }
  }
  return OkStatus();
}

namespace {

std::optional<std::string> ReadUrl(const fs::path& file) {
  auto bytes = ReadFile(file, 1024);
  if (!bytes.ok()) return std::nullopt;
  std::string url(bytes->begin(), bytes->end());
  while (!url.empty() && url.back() == '\n') url.pop_back();
  return url;
}

}  // namespace

std::optional<std::string> LedgerUrl(const FarmLayout& farm) { return ReadUrl(farm.ledger_url()); }

std::optional<std::string> GatewayUrl(const FarmLayout& farm) {
  return ReadUrl(farm.gateway_url());
}

}  // namespace vigil::farm
