#include "release/detached_verifier.h"

#include <ctime>
#include <map>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "release/gpg.h"

namespace vigil::release {
namespace {

constexpr std::size_t kMaxRememberedSignatures = 4096;

// Why a signature whose key is known does not count, or "" when it does.
std::string KeyProblem(const char* what, bool revoked, bool expired, bool disabled, bool invalid) {
  if (revoked) return std::string(what) + " is revoked";
  if (expired) return std::string(what) + " has expired";
  if (disabled) return std::string(what) + " is disabled";
  if (invalid) return std::string(what) + " is invalid";
  return "";
}

// A valid signer, or the reason the signature does not count.
// What Judge needs of a (sub)key, listed once when the keyring is imported: the keyring's
// bytes never change afterwards, and expiry is computed from the dates at each verify.
struct SigningKeyFacts {
  std::string primary_fpr;
  std::string uid;
  bool key_revoked, key_disabled, key_invalid;
  long key_expires;  // 0: never
  bool is_primary;
  bool sub_revoked, sub_disabled, sub_invalid;
  long sub_expires;
  bool can_sign;
};
using KeyFacts = std::map<std::string, SigningKeyFacts>;  // by (sub)key fingerprint

bool Expired(long expires) {
  return expires != 0 && expires <= static_cast<long>(std::time(nullptr));
}

Result<KeyFacts> ListKeys(gpgme_ctx_t ctx) {
  KeyFacts facts;
  gpgme_error_t err = gpgme_op_keylist_start(ctx, nullptr, /*secret_only=*/0);
  while (!err) {
    gpgme_key_t raw = nullptr;
    err = gpgme_op_keylist_next(ctx, &raw);
    if (err) break;
    KeyPtr key(raw);
    gpgme_subkey_t primary = key->subkeys;
    if (primary == nullptr || primary->fpr == nullptr) continue;
    const std::string uid = key->uids != nullptr && key->uids->uid != nullptr ? key->uids->uid : "";
    for (gpgme_subkey_t sub = primary; sub != nullptr; sub = sub->next) {
      if (sub->fpr == nullptr) continue;
      facts[sub->fpr] = SigningKeyFacts{primary->fpr,       uid,
                                        key->revoked != 0,  key->disabled != 0,
                                        key->invalid != 0,  primary->expires,
                                        sub == primary,     sub->revoked != 0,
                                        sub->disabled != 0, sub->invalid != 0,
                                        sub->expires,       sub->can_sign != 0};
    }
  }
  if (gpgme_err_code(err) != GPG_ERR_EOF) {
    return Error::Failed("cannot list the keyring: " + GpgErrorText(err));
  }
  return facts;
}

// What gpg said of one signature: cryptographic facts that never change for the same bytes
// and keyring, so they are kept and judged again (expiry against the clock) on reuse.
struct SignatureFacts {
  std::string fpr;
  gpgme_error_t status;
  gpgme_sigsum_t summary;
  bool wrong_key_usage;
  long expires;  // the signature's own expiry, 0: never
};

SignatureFacts FactsOf(gpgme_signature_t sig) {
  return {sig->fpr != nullptr ? sig->fpr : "", sig->status, sig->summary, sig->wrong_key_usage != 0,
          static_cast<long>(sig->exp_timestamp)};
}

// A valid signer, or the reason the signature does not count.
std::variant<ValidSigner, std::string> Judge(const KeyFacts& keys, const SignatureFacts& sig,
                                             const std::string& file) {
  std::string who = !sig.fpr.empty() ? sig.fpr : "of unknown id";
  gpgme_err_code_t code = gpgme_err_code(sig.status);
  gpgme_sigsum_t summary = sig.summary;
  if ((summary & GPGME_SIGSUM_KEY_MISSING) || code == GPG_ERR_NO_PUBKEY) {
    return "key " + who + " is not in the keyring";
  }
  if ((summary & GPGME_SIGSUM_KEY_REVOKED) || code == GPG_ERR_CERT_REVOKED) {
    return "key " + who + " is revoked";
  }
  if ((summary & GPGME_SIGSUM_KEY_EXPIRED) || code == GPG_ERR_KEY_EXPIRED) {
    return "key " + who + " has expired";
  }
  if ((summary & GPGME_SIGSUM_SIG_EXPIRED) || code == GPG_ERR_SIG_EXPIRED || Expired(sig.expires)) {
    return "the signature by " + who + " has expired";
  }
  if ((summary & GPGME_SIGSUM_RED) || code == GPG_ERR_BAD_SIGNATURE) {
    return "bad signature by " + who + " (the signed data or the signature was changed)";
  }
  if (code != GPG_ERR_NO_ERROR) return "signature by " + who + ": " + gpgme_strerror(sig.status);
  if (sig.wrong_key_usage) return "key " + who + " may not make signatures";
  auto fpr = NormalizeFingerprint(who);
  if (!fpr.ok()) return "the signature does not name its key's full fingerprint";

  auto found = keys.find(*fpr);
  if (found == keys.end()) return "key " + *fpr + " is not in the keyring";
  const SigningKeyFacts& key = found->second;
  std::string problem = KeyProblem("key", key.key_revoked, Expired(key.key_expires),
                                   key.key_disabled, key.key_invalid);
  if (problem.empty() && !key.is_primary) {
    problem = KeyProblem("signing subkey", key.sub_revoked, Expired(key.sub_expires),
                         key.sub_disabled, key.sub_invalid);
  }
  if (!problem.empty()) return key.primary_fpr + ": " + problem;
  if (!key.can_sign) return key.primary_fpr + ": the signing key is not a signing key";
  return ValidSigner{key.primary_fpr, key.uid, file};
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

struct DetachedVerifier::State {
  // The home outlives the context (declared first), and stops its agent when it goes.
  TemporaryGnupgHome home;
  CtxPtr ctx;
  KeyFacts keys;
  // SHA-256(signature) || SHA-256(data) -> what gpg said (bounded; cleared when full)
  std::map<std::string, std::vector<SignatureFacts>> seen;
};

DetachedVerifier::DetachedVerifier(std::unique_ptr<State> state) : state_(std::move(state)) {}
DetachedVerifier::~DetachedVerifier() = default;

Result<std::unique_ptr<DetachedVerifier>> DetachedVerifier::Create(const fs::path& keyring,
                                                                   const fs::path& home_parent) {
  VIGIL_ASSIGN_OR_RETURN(TemporaryGnupgHome home, TemporaryGnupgHome::Create(home_parent));
  VIGIL_ASSIGN_OR_RETURN(CtxPtr ctx, NewContext(home.path().string()));
  VIGIL_RETURN_IF_ERROR(ImportKeyring(ctx.get(), keyring));
  VIGIL_ASSIGN_OR_RETURN(KeyFacts keys, ListKeys(ctx.get()));
  auto state = std::make_unique<State>(State{std::move(home), std::move(ctx), std::move(keys), {}});
  return std::unique_ptr<DetachedVerifier>(new DetachedVerifier(std::move(state)));
}

Result<std::vector<std::variant<ValidSigner, std::string>>> DetachedVerifier::Verify(
    std::string_view signature, std::string_view data, const std::string& label) {
  const std::string key =
      HexEncode(crypto::Sha256(AsBytes(signature))) + HexEncode(crypto::Sha256(AsBytes(data)));
  auto seen = state_->seen.find(key);
  if (seen == state_->seen.end()) {
    VIGIL_ASSIGN_OR_RETURN(DataPtr sig_data, DataFromBytes(signature));
    VIGIL_ASSIGN_OR_RETURN(DataPtr text_data, DataFromBytes(data));
    gpgme_ctx_t ctx = state_->ctx.get();
    std::vector<SignatureFacts> facts;
    gpgme_error_t err = gpgme_op_verify(ctx, sig_data.get(), text_data.get(), nullptr);
    gpgme_verify_result_t result = err ? nullptr : gpgme_op_verify_result(ctx);
    for (gpgme_signature_t sig = result != nullptr ? result->signatures : nullptr; sig != nullptr;
         sig = sig->next) {
      facts.push_back(FactsOf(sig));
    }
    if (state_->seen.size() >= kMaxRememberedSignatures) state_->seen.clear();
    seen = state_->seen.emplace(key, std::move(facts)).first;
  }
  std::vector<std::variant<ValidSigner, std::string>> verdicts;
  for (const SignatureFacts& facts : seen->second) {
    verdicts.push_back(Judge(state_->keys, facts, label));
  }
  return verdicts;
}

}  // namespace vigil::release
