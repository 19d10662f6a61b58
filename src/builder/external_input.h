// A component's pinned external inputs (docs/SPEC-builder.md): files its build needs that
// are not in its repository (a kernel's source package), each pinned by SHA-256. The
// builder fetches them outside the sandbox (which has no network), verifies them, logs each
// to the build's ledger log and mounts it read-only at /inputs/NAME. Nothing unpinned
// reaches the sandbox.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "crypto/named_digest.h"

namespace vigil::builder {

inline constexpr std::uint64_t kMaxInputSize = 4ull << 30;
inline constexpr std::size_t kMaxInputs = 32;

struct ExternalInput {
  crypto::NamedDigest pinned;  // its file name under /inputs in the sandbox, its SHA-256
  // Exactly one source: a Debian package (apt-get download checks the archive's signed
  // index) or an http(s) URL.
  std::string package, version;
  std::string url;

  // "debian:PACKAGE=VERSION" or the URL.
  std::string Source() const;
};

// 1-128 of A-Z a-z 0-9 . _ + ~ - , not starting with '.' or '-' (a Debian file name fits).
bool IsInputName(std::string_view name);

// Fetched inputs, content-addressed: DIR/SHA256 (hex), written by rename once verified, so
// a file there is whole and was once checked; it is hashed again before each use anyway.
// Thread-safe: concurrent builds fetching the same input each rename the same bytes.
class InputStore {
 public:
  explicit InputStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  struct Found {
    std::filesystem::path file;
    bool fetched = false;  // false: it was already in the store
  };
  // The verified file of `input`. BadInput when what the source serves does not match the
  // pin (nothing kept); MissingEnv when it cannot be fetched.
  Result<Found> Ensure(const ExternalInput& input) const;

 private:
  Result<std::filesystem::path> Fetch(const ExternalInput& input,
                                      const std::filesystem::path& dir) const;
  std::filesystem::path dir_;
};

}  // namespace vigil::builder
