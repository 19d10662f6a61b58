#include "release/signing.h"

#include "base/file.h"
#include "encoding/dist_manifest.h"
#include "release/gpg.h"

namespace vigil::release {
namespace {

// Finds the usable secret key whose primary fingerprint is `fingerprint`.
Result<KeyPtr> FindSigningKey(gpgme_ctx_t ctx, const std::string& fingerprint,
                              const std::string& home) {
  gpgme_key_t raw = nullptr;
  gpgme_error_t err = gpgme_get_key(ctx, fingerprint.c_str(), &raw, /*secret=*/1);
  const std::string where =
      home.empty() ? "the default GnuPG home ($GNUPGHOME, else ~/.gnupg)" : "--gnupg-home " + home;
  if (gpgme_err_code(err) == GPG_ERR_EOF || (!err && raw == nullptr)) {
    // GPGME's "End of file": the keyring was read to its end without finding the key.
    return Error::BadInput("no secret key " + fingerprint + " in " + where +
                           "; import it there, or give --gnupg-home with the home that holds "
                           "it (gpg --list-secret-keys shows the keys)");
  }
  if (err) {
    return Error::BadInput("cannot look up the secret key " + fingerprint + " in " + where + " (" +
                           GpgErrorText(err) + ")");
  }
  KeyPtr key(raw);
  if (key->subkeys == nullptr || key->subkeys->fpr == nullptr || fingerprint != key->subkeys->fpr) {
    // Signatures are filed and counted by primary key, so only that name is accepted.
    return Error::BadInput(fingerprint + " is not a primary key's fingerprint" +
                           (key->subkeys && key->subkeys->fpr
                                ? std::string("; its primary key is ") + key->subkeys->fpr
                                : std::string()));
  }
  if (key->revoked) return Error::BadInput("key " + fingerprint + " is revoked");
  if (key->expired) return Error::BadInput("key " + fingerprint + " has expired");
  if (key->disabled) return Error::BadInput("key " + fingerprint + " is disabled");
  if (key->invalid) return Error::BadInput("key " + fingerprint + " is invalid");
  if (!key->can_sign) {
    return Error::BadInput("key " + fingerprint + " has no usable signing (sub)key");
  }
  return key;
}

bool SignedByKey(gpgme_key_t key, const char* fpr) {
  if (fpr == nullptr) return false;
  for (gpgme_subkey_t sub = key->subkeys; sub != nullptr; sub = sub->next) {
    if (sub->fpr != nullptr && std::string(sub->fpr) == fpr) return true;
  }
  return false;
}

}  // namespace

namespace {

Result<std::string> SignWithMode(std::string_view data, const SignOptions& options,
                                 gpgme_sig_mode_t mode) {
  VIGIL_ASSIGN_OR_RETURN(std::string fingerprint, NormalizeFingerprint(options.fingerprint));
  VIGIL_ASSIGN_OR_RETURN(CtxPtr ctx, NewContext(options.gnupg_home));
  VIGIL_ASSIGN_OR_RETURN(KeyPtr key, FindSigningKey(ctx.get(), fingerprint, options.gnupg_home));

  gpgme_signers_clear(ctx.get());
  gpgme_error_t err = gpgme_signers_add(ctx.get(), key.get());
  if (err) return Error::Failed("cannot select signer " + fingerprint + ": " + GpgErrorText(err));
  VIGIL_ASSIGN_OR_RETURN(DataPtr in, DataFromBytes(data));
  VIGIL_ASSIGN_OR_RETURN(DataPtr out, NewOutputData());
  err = gpgme_op_sign(ctx.get(), in.get(), out.get(), mode);
  if (err) return Error::Failed("signing with " + fingerprint + " failed: " + GpgErrorText(err));
  gpgme_sign_result_t result = gpgme_op_sign_result(ctx.get());
  if (result == nullptr || result->invalid_signers != nullptr || result->signatures == nullptr ||
      result->signatures->next != nullptr || !SignedByKey(key.get(), result->signatures->fpr)) {
    return Error::Failed("gpg did not make exactly one signature by " + fingerprint);
  }
  return DataContents(out.get());
}

}  // namespace

Result<std::string> SignDetached(std::string_view data, const SignOptions& options) {
  return SignWithMode(data, options, GPGME_SIG_MODE_DETACH);
}

Result<std::string> SignClear(std::string_view text, const SignOptions& options) {
  return SignWithMode(text, options, GPGME_SIG_MODE_CLEAR);
}

Result<fs::path> SignRelease(const fs::path& dist, const SignOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(std::string fingerprint, NormalizeFingerprint(options.fingerprint));
  VIGIL_ASSIGN_OR_RETURN(std::string sums, encoding::CheckDistManifest(dist));
  VIGIL_ASSIGN_OR_RETURN(std::string armoured, SignDetached(sums, options));

  fs::path dir = dist / encoding::kSignaturesDir;
  std::error_code ec;
  fs::file_type type = fs::symlink_status(dir, ec).type();
  if (type == fs::file_type::not_found) {
    if (!fs::create_directory(dir, ec) || ec) {
      return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
    }
  } else if (type != fs::file_type::directory) {
    return Error::Failed(dir.string() + " exists and is not a directory");
  }
  fs::path file = dir / (fingerprint + ".asc");
  Status written = WriteFileAtomic(file, AsBytes(armoured), 0644);
  if (!written.ok()) return written.error();
  return file;
}

}  // namespace vigil::release
