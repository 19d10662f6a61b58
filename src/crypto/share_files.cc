#include "crypto/share_files.h"

#include <sys/stat.h>

#include "base/file.h"
#include "crypto/key_file.h"
#include "crypto/shamir.h"

namespace vigil::crypto {
namespace {

// A share is one x byte and one byte per secret byte; anything larger is not a share.
constexpr std::size_t kMaxShareBytes = shamir::kMaxSecretSize + 1;

}  // namespace

Result<std::filesystem::path> NewShareDirectory(const std::string& out_dir) {
  std::filesystem::path out = out_dir;
  while (!out.empty() && out.filename().empty()) out = out.parent_path();
  std::error_code ec;
  if (out.empty() ||
      std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found) {
    return Error::BadInput("--out-dir " + out_dir +
                           " must name a directory that does not exist yet");
  }
  return out;
}

Status WriteShareDirectory(const std::filesystem::path& dir,
                           const std::vector<SecretBytes>& shares) {
  std::filesystem::path parent = dir.parent_path().empty() ? "." : dir.parent_path();
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + dir.filename().string() + ".partial-"));
  for (std::size_t i = 0; i < shares.size(); ++i) {
    VIGIL_RETURN_IF_ERROR(
        WriteSecretHexFile(staging.path() / ("share." + std::to_string(i + 1)), shares[i]));
  }
  ::chmod(staging.path().c_str(), 0700);
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), dir));
  staging.Release();
  return OkStatus();
}

Result<SecretBytes> ReconstructFromShareFiles(const std::vector<std::string>& files,
                                              std::size_t threshold) {
  if (threshold != 0 && files.size() < threshold) {
    return Error::BadInput("only " + std::to_string(files.size()) +
                           " shares given; the threshold is " + std::to_string(threshold));
  }
  std::vector<SecretBytes> shares;
  for (const auto& file : files) {
    auto share = ReadSecretHexFile(file, 0);
    if (!share.ok()) return share.error().WithContext("cannot read a share");
    if (share->size() > kMaxShareBytes) {
      return Error::BadInput(file + " is larger than any share can be");
    }
    shares.push_back(std::move(share).value());
  }
  std::vector<ByteView> views;
  for (const auto& share : shares) views.push_back(share.view());
  return shamir::Reconstruct(views);
}

}  // namespace vigil::crypto
