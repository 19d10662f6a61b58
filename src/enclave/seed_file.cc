#include "enclave/seed_file.h"

#include <string>

#include "base/file.h"
#include "base/hex.h"

namespace vigil::enclave {

Status WriteSeedFile(const std::filesystem::path& path, const crypto::SecretBytes& seed) {
  std::string hex = HexEncode(seed.view());
  Status written = WriteFileAtomic(path, AsBytes(hex), 0600);
  crypto::Wipe({reinterpret_cast<std::uint8_t*>(hex.data()), hex.size()});
  return written;
}

}  // namespace vigil::enclave
