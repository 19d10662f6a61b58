// Key and share files as QuorumOS writes them: lowercase hex text, no newline (one final
// newline is accepted when reading, since hand-made files often have it).
#pragma once

#include <cstddef>
#include <filesystem>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

// Reads a hex file holding exactly `size` secret bytes. The text is wiped after decoding;
// errors never quote the file's content.
Result<SecretBytes> ReadSecretHexFile(const std::filesystem::path& path, std::size_t size);

// Reads a hex file holding exactly `size` bytes (0: any non-zero size up to 64 KiB).
Result<Bytes> ReadHexFile(const std::filesystem::path& path, std::size_t size);

// Writes `secret` as hex, mode 0600, atomically, never replacing an existing file (a key
// is never overwritten); the hex text is wiped afterwards.
Status WriteSecretHexFile(const std::filesystem::path& path, const SecretBytes& secret);

// Writes `data` as hex, mode 0644, atomically, never replacing an existing file.
Status WriteHexFile(const std::filesystem::path& path, ByteView data);

// Decodes hex text into secret bytes (either case), with no copy left unwiped.
Result<SecretBytes> HexDecodeSecret(std::string_view hex);

}  // namespace vigil::crypto
