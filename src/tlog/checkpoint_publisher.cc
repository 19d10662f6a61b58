#include "tlog/checkpoint_publisher.h"

#include <chrono>

#include "base/file.h"
#include "base/secret_file_mode.h"
#include "crypto/secret.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"

namespace vigil::tlog {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxKeyFileSize = 4096;

// The "time" extension of a checkpoint signed now.
std::string TimeNow() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return TimeExtension(std::chrono::duration_cast<std::chrono::seconds>(now).count());
}

Result<std::string> ReadText(const fs::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxKeyFileSize, /*allow_symlink=*/false));
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

Status CheckpointPublisher::Create(const fs::path& dir, const std::string& origin) {
  VIGIL_ASSIGN_OR_RETURN(NoteSigner signer, NoteSigner::Create(origin));
  const crypto::SecretBytes private_key = signer.PrivateKeyText();
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(dir / "log.key", private_key.view(), 0600));
  const std::string vkey = signer.VerifierKey() + "\n";
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(dir / "log.vkey", AsBytes(vkey), 0644));
  VIGIL_ASSIGN_OR_RETURN(
      std::string note,
      signer.Sign(FormatCheckpointText(Checkpoint{origin, 0, EmptyRoot(), {TimeNow()}})));
  return CreateFileAtomic(dir / "checkpoint", AsBytes(note), 0644);
}

Result<CheckpointPublisher> CheckpointPublisher::Open(const fs::path& dir) {
  VIGIL_RETURN_IF_ERROR(CheckSecretFileMode(dir / "log.key"));
  VIGIL_ASSIGN_OR_RETURN(std::string key_text, ReadText(dir / "log.key"));
  auto signer = NoteSigner::FromText(key_text);
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(key_text.data()), key_text.size()});
  if (!signer.ok()) {
    return signer.error().WithContext((dir / "log.key").string());
  }
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, ReadText(dir / "log.vkey"));
  while (!vkey.empty() && vkey.back() == '\n') {
    vkey.pop_back();
  }
  if (vkey != signer->VerifierKey()) {
    return Error::Failed((dir / "log.vkey").string() + " does not belong to log.key");
  }
  return CheckpointPublisher(dir, std::make_unique<NoteSigner>(std::move(signer).value()));
}

CheckpointPublisher::CheckpointPublisher(fs::path dir, std::unique_ptr<NoteSigner> signer)
    : dir_(std::move(dir)), signer_(std::move(signer)), verifier_key_(signer_->VerifierKey()) {}
CheckpointPublisher::CheckpointPublisher(CheckpointPublisher&&) noexcept = default;
CheckpointPublisher& CheckpointPublisher::operator=(CheckpointPublisher&&) noexcept = default;
CheckpointPublisher::~CheckpointPublisher() = default;

std::string CheckpointPublisher::origin() const {
  return verifier_key_.substr(0, verifier_key_.find('+'));
}

Result<std::string> CheckpointPublisher::Sign(std::uint64_t size, const Hash& root) {
  return signer_->Sign(FormatCheckpointText(Checkpoint{origin(), size, root, {TimeNow()}}));
}

Result<std::string> CheckpointPublisher::Publish(std::uint64_t size, const Hash& root) {
  VIGIL_ASSIGN_OR_RETURN(std::string note, Sign(size, root));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(dir_ / "checkpoint", AsBytes(note)));
  return note;
}

}  // namespace vigil::tlog
