#include "release/threshold.h"

#include <algorithm>
#include <map>
#include <variant>

#include "base/file.h"
#include "release/gpg.h"
#include "release/manifest.h"

namespace vigil::release {
namespace {

// Why a signature whose key is known does not count, or "" when it does.
std::string KeyProblem(const char* what, bool revoked, bool expired, bool disabled, bool invalid) {
  if (revoked) return std::string(what) + " is revoked";
  if (expired) return std::string(what) + " has expired";
  if (disabled) return std::string(what) + " is disabled";
  if (invalid) return std::string(what) + " is invalid";
  return "";
}

// A valid signer, or the reason the signature does not count.
std::variant<ValidSigner, std::string> Judge(gpgme_ctx_t ctx, gpgme_signature_t sig,
                                             const std::string& file) {
  std::string who = sig->fpr != nullptr ? sig->fpr : "of unknown id";
  gpgme_err_code_t code = gpgme_err_code(sig->status);
  gpgme_sigsum_t summary = sig->summary;
  if ((summary & GPGME_SIGSUM_KEY_MISSING) || code == GPG_ERR_NO_PUBKEY) {
    return "key " + who + " is not in the keyring";
  }
  if ((summary & GPGME_SIGSUM_KEY_REVOKED) || code == GPG_ERR_CERT_REVOKED) {
    return "key " + who + " is revoked";
  }
  if ((summary & GPGME_SIGSUM_KEY_EXPIRED) || code == GPG_ERR_KEY_EXPIRED) {
    return "key " + who + " has expired";
  }
  if ((summary & GPGME_SIGSUM_SIG_EXPIRED) || code == GPG_ERR_SIG_EXPIRED) {
    return "the signature by " + who + " has expired";
  }
  if ((summary & GPGME_SIGSUM_RED) || code == GPG_ERR_BAD_SIGNATURE) {
    return "bad signature by " + who + " (SHA256SUMS or the signature was changed)";
  }
  if (code != GPG_ERR_NO_ERROR) return "signature by " + who + ": " + gpgme_strerror(sig->status);
  if (sig->wrong_key_usage) return "key " + who + " may not make signatures";
  auto fpr = NormalizeFingerprint(who);
  if (!fpr.ok()) return "the signature does not name its key's full fingerprint";

  gpgme_key_t raw = nullptr;
  gpgme_error_t err = gpgme_get_key(ctx, fpr->c_str(), &raw, /*secret=*/0);
  if (err || raw == nullptr) return "key " + *fpr + " is not in the keyring";
  KeyPtr key(raw);
  gpgme_subkey_t primary = key->subkeys;
  gpgme_subkey_t signing = nullptr;
  for (gpgme_subkey_t sub = primary; sub != nullptr; sub = sub->next) {
    if (sub->fpr != nullptr && *fpr == sub->fpr) signing = sub;
  }
  if (primary == nullptr || primary->fpr == nullptr || signing == nullptr) {
    return "key " + *fpr + " is not in the keyring";
  }
  std::string primary_fpr = primary->fpr;
  std::string problem = KeyProblem("key", key->revoked, key->expired, key->disabled, key->invalid);
  if (problem.empty() && signing != primary) {
    problem = KeyProblem("signing subkey", signing->revoked, signing->expired, signing->disabled,
                         signing->invalid);
  }
  if (!problem.empty()) return primary_fpr + ": " + problem;
  if (!signing->can_sign) return primary_fpr + ": the signing key is not a signing key";
  std::string uid = key->uids != nullptr && key->uids->uid != nullptr ? key->uids->uid : "";
  return ValidSigner{primary_fpr, uid, file};
}

Status ImportKeyring(gpgme_ctx_t ctx, const fs::path& keyring) {
  auto bytes = ReadFile(keyring, kMaxKeyringSize);
  if (!bytes.ok()) return bytes.error().WithContext("cannot read the keyring");
  VIGIL_ASSIGN_OR_RETURN(DataPtr data, DataFromBytes(AsText(*bytes)));
  gpgme_error_t err = gpgme_op_import(ctx, data.get());
  if (err) {
    return Error::BadInput("cannot import keyring " + keyring.string() + ": " + GpgErrorText(err));
  }
  gpgme_import_result_t result = gpgme_op_import_result(ctx);
  if (result == nullptr || result->imported + result->unchanged == 0) {
    return Error::BadInput(keyring.string() + " holds no OpenPGP public key");
  }
  return OkStatus();
}

}  // namespace

Result<VerifyReport> VerifyRelease(const fs::path& dist, const fs::path& keyring, int threshold) {
  if (threshold < 1) return Error::BadInput("--threshold must be at least 1");
  VIGIL_ASSIGN_OR_RETURN(std::string sums, CheckDistManifest(dist));

  // The home outlives the context (declared first), and stops its agent when it goes.
  VIGIL_ASSIGN_OR_RETURN(TemporaryGnupgHome home, TemporaryGnupgHome::Create());
  VIGIL_ASSIGN_OR_RETURN(CtxPtr ctx, NewContext(home.path().string()));
  VIGIL_RETURN_IF_ERROR(ImportKeyring(ctx.get(), keyring));

  VerifyReport report;
  report.threshold = threshold;
  fs::path dir = dist / kSignaturesDir;
  std::error_code ec;
  if (fs::symlink_status(dir, ec).type() == fs::file_type::not_found) return report;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (entries.size() == kMaxSignatureFiles) {
      return Error::BadInput(dir.string() + " holds more than " +
                             std::to_string(kMaxSignatureFiles) + " files");
    }
    entries.push_back(*it);
  }
  if (ec) return Error::BadInput("cannot list " + dir.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end());

  std::map<std::string, std::string> counted;  // primary fingerprint -> file
  for (const auto& entry : entries) {
    std::string name = entry.path().filename().string();
    std::string file = std::string(kSignaturesDir) + "/" + name;
    auto reject = [&](std::string reason) { report.invalid.push_back({file, std::move(reason)}); };
    if (entry.symlink_status(ec).type() != fs::file_type::regular) {
      reject("not a regular file");
      continue;
    }
    if (!name.ends_with(".asc")) {
      reject("not a .asc signature file");
      continue;
    }
    auto signature = ReadFile(entry.path(), kMaxSignatureSize, /*allow_symlink=*/false);
    if (!signature.ok()) {
      reject(signature.error().message());
      continue;
    }
    auto sig_data = DataFromBytes(AsText(*signature));
    auto text_data = DataFromBytes(sums);
    if (!sig_data.ok()) return sig_data.error();
    if (!text_data.ok()) return text_data.error();
    gpgme_error_t err = gpgme_op_verify(ctx.get(), sig_data->get(), text_data->get(), nullptr);
    gpgme_verify_result_t result = err ? nullptr : gpgme_op_verify_result(ctx.get());
    if (result == nullptr || result->signatures == nullptr) {
      reject(std::string("malformed: no OpenPGP signature") +
             (err ? " (" + std::string(gpgme_strerror(err)) + ")" : ""));
      continue;
    }
    for (gpgme_signature_t sig = result->signatures; sig != nullptr; sig = sig->next) {
      auto judged = Judge(ctx.get(), sig, file);
      if (auto* reason = std::get_if<std::string>(&judged)) {
        reject(*reason);
        continue;
      }
      auto& signer = std::get<ValidSigner>(judged);
      auto [it, inserted] = counted.emplace(signer.fingerprint, file);
      if (!inserted) {
        reject("key " + signer.fingerprint + " already counted for " + it->second +
               "; a key counts once");
        continue;
      }
      report.valid.push_back(std::move(signer));
    }
  }
  return report;
}

}  // namespace vigil::release
