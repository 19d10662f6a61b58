// QuorumOS P-256 key pairs as a pair of hex files beside each other: PREFIX.secret (the
// 32-byte seed, 0600) and PREFIX.pub (the 130-byte public key, 0644).
#pragma once

#include <filesystem>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/p256.h"

namespace vigil::crypto {

struct P256KeyFiles {
  std::filesystem::path secret;
  std::filesystem::path pub;
  Bytes public_key;
};

// Generates a key pair and writes PREFIX.secret and PREFIX.pub. `prefix` must end in a file
// name ('' or DIR/ would make hidden files); neither file may exist (a key is never
// overwritten). BadInput for both; a failed write leaves neither file behind.
Result<P256KeyFiles> CreateP256KeyFiles(const std::string& prefix);

// Reads a key pair from its .secret file (hex seed, private to its owner).
Result<qos::P256Pair> ReadP256Pair(const std::filesystem::path& secret_file);

// Reads a public key from its .pub file (130 bytes as hex).
Result<qos::P256Public> ReadP256Public(const std::filesystem::path& pub_file);

}  // namespace vigil::crypto
