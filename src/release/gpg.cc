#include "release/gpg.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <mutex>

#include "base/bytes.h"
#include "base/subprocess.h"

namespace vigil::release {
namespace {

// GPGME must be initialised once per process before any context is made.
Status InitGpgme() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] {
    ok = gpgme_check_version(nullptr) != nullptr &&
         gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP) == GPG_ERR_NO_ERROR;
  });
  if (!ok) return Error::MissingEnv("GPGME cannot find a usable gpg (OpenPGP engine)");
  return OkStatus();
}

}  // namespace

std::string GpgErrorText(gpgme_error_t err) {
  return std::string(gpgme_strsource(err)) + ": " + gpgme_strerror(err);
}

Result<CtxPtr> NewContext(const std::string& home) {
  if (!home.empty()) {
    // gpg would start with an empty keyring and later find no key ("End of file").
    std::error_code ec;
    if (!std::filesystem::is_directory(home, ec)) {
      return Error::BadInput("--gnupg-home " + home +
                             " is not a directory; give the GnuPG home that holds the keys "
                             "(gpg --homedir DIR --list-secret-keys shows them)");
    }
  }
  VIGIL_RETURN_IF_ERROR(InitGpgme());
  gpgme_ctx_t raw = nullptr;
  gpgme_error_t err = gpgme_new(&raw);
  if (err) return Error::MissingEnv("cannot create a GPGME context: " + GpgErrorText(err));
  CtxPtr ctx(raw);
  err = gpgme_set_protocol(ctx.get(), GPGME_PROTOCOL_OpenPGP);
  if (!err && !home.empty()) {
    err = gpgme_ctx_set_engine_info(ctx.get(), GPGME_PROTOCOL_OpenPGP, nullptr, home.c_str());
  }
  if (err) return Error::MissingEnv("cannot set up GPGME for OpenPGP: " + GpgErrorText(err));
  gpgme_set_armor(ctx.get(), 1);
  return ctx;
}

Result<DataPtr> DataFromBytes(std::string_view bytes) {
  VIGIL_RETURN_IF_ERROR(InitGpgme());
  gpgme_data_t raw = nullptr;
  gpgme_error_t err = gpgme_data_new_from_mem(&raw, bytes.data(), bytes.size(), /*copy=*/1);
  if (err) return Error::Failed("cannot create GPGME data: " + GpgErrorText(err));
  return DataPtr(raw);
}

Result<DataPtr> NewOutputData() {
  VIGIL_RETURN_IF_ERROR(InitGpgme());
  gpgme_data_t raw = nullptr;
  gpgme_error_t err = gpgme_data_new(&raw);
  if (err) return Error::Failed("cannot create GPGME data: " + GpgErrorText(err));
  return DataPtr(raw);
}

Result<std::string> DataContents(gpgme_data_t data) {
  if (gpgme_data_seek(data, 0, SEEK_SET) != 0) {
    return Error::Failed("cannot rewind GPGME data");
  }
  std::string out;
  std::array<char, 4096> buffer;
  for (;;) {
    ssize_t n = gpgme_data_read(data, buffer.data(), buffer.size());
    if (n < 0) return Error::Failed("cannot read GPGME data");
    if (n == 0) return out;
    out.append(buffer.data(), static_cast<std::size_t>(n));
  }
}

Result<std::string> NormalizeFingerprint(std::string_view text) {
  bool hex =
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (text.size() != 40 || !hex) {
    return Error::BadInput("'" + std::string(text.substr(0, 80)) +
                           "' is not a full fingerprint (40 hex digits, no spaces)");
  }
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

Result<TemporaryGnupgHome> TemporaryGnupgHome::Create(const fs::path& in) {
  // Short paths: gpg-agent's socket path must fit in sun_path.
  std::error_code ec;
  fs::path parent = in.empty() ? fs::temp_directory_path(ec) : in;
  if (ec) parent = "/tmp";
  if (!in.empty()) fs::create_directories(parent, ec);
  VIGIL_ASSIGN_OR_RETURN(TempDir dir, TempDir::Create(parent, "vigil-gnupg."));
  // No network look-ups for unknown keys: only the pinned keyring may vouch for a signer.
  Status conf = WriteFileAtomic(dir.path() / "gpg.conf", AsBytes("no-auto-key-retrieve\n"), 0600);
  if (!conf.ok()) return conf.error();
  return TemporaryGnupgHome(std::move(dir));
}

TemporaryGnupgHome::~TemporaryGnupgHome() {
  if (dir_.path().empty() || FindExecutable("gpgconf").empty()) return;
  // Best effort: the directory is removed by TempDir either way.
  for (const char* what : {"--kill", "--remove-socketdir"}) {
    Command command;
    command.argv = {"gpgconf", "--homedir", dir_.path().string(), what};
    command.capture_stderr = true;  // its notices are not ours to show
    if (std::string(what) == "--kill") command.argv.push_back("all");
    (void)Run(command, std::chrono::seconds(10));
  }
}

}  // namespace vigil::release
