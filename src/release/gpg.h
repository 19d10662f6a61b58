// GPGME plumbing shared by signing and verification: owning handles, a context bound to a
// chosen GNUPGHOME, and a throwaway GNUPGHOME that stops its agent before it is removed.
#pragma once

#include <gpgme.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/file.h"
#include "base/result.h"

namespace vigil::release {

struct CtxRelease {
  void operator()(gpgme_ctx_t ctx) const { gpgme_release(ctx); }
};
struct DataRelease {
  void operator()(gpgme_data_t data) const { gpgme_data_release(data); }
};
struct KeyRelease {
  void operator()(gpgme_key_t key) const { gpgme_key_unref(key); }
};
using CtxPtr = std::unique_ptr<gpgme_context, CtxRelease>;
using DataPtr = std::unique_ptr<gpgme_data, DataRelease>;
using KeyPtr = std::unique_ptr<_gpgme_key, KeyRelease>;

// "<source>: <description>" of a GPGME error.
std::string GpgErrorText(gpgme_error_t err);

// An OpenPGP context with ASCII armour on. An empty `home` uses the caller's normal
// GNUPGHOME; otherwise the engine runs with --homedir `home`. kMissingEnv when GPGME or
// gpg is unusable.
Result<CtxPtr> NewContext(const std::string& home);

// A data object holding a copy of `bytes`.
Result<DataPtr> DataFromBytes(std::string_view bytes);
// An empty, growable data object for output.
Result<DataPtr> NewOutputData();
// All bytes written into `data` so far.
Result<std::string> DataContents(gpgme_data_t data);

// Uppercases a full 40-hex-digit (v4) fingerprint; kBadInput for anything else (key ids,
// short forms, spaces), so a key is always named without ambiguity.
Result<std::string> NormalizeFingerprint(std::string_view text);

// A fresh, private GNUPGHOME under `parent` (default: the temporary directory). On destruction it
// stops any gpg-agent or dirmngr that GPGME started there, then removes the directory.
class TemporaryGnupgHome {
 public:
  static Result<TemporaryGnupgHome> Create(const std::filesystem::path& parent = {});

  TemporaryGnupgHome(TemporaryGnupgHome&&) noexcept = default;
  TemporaryGnupgHome& operator=(TemporaryGnupgHome&&) noexcept = default;
  ~TemporaryGnupgHome();

  const std::filesystem::path& path() const { return dir_.path(); }

 private:
  explicit TemporaryGnupgHome(TempDir dir) : dir_(std::move(dir)) {}
  TempDir dir_;
};

}  // namespace vigil::release
