// Verifies detached OpenPGP signatures against a pinned keyring, imported into a private,
// temporary GNUPGHOME (never the user's). Shared by release threshold checks and the
// builder's signed-tag checks.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/result.h"
#include "release/threshold.h"

namespace vigil::release {

class DetachedVerifier {
 public:
  // Imports `keyring` (kBadInput if unreadable or without a public key) into a GNUPGHOME
  // under `home_parent` (default: the temporary directory).
  static Result<std::unique_ptr<DetachedVerifier>> Create(
      const std::filesystem::path& keyring, const std::filesystem::path& home_parent = {});
  ~DetachedVerifier();

  // One verdict per signature in `signature` over `data`: the valid signer (its primary
  // key's fingerprint; revoked, expired and unknown keys never count) or why it does not
  // count. Empty when `signature` holds no OpenPGP signature. `label` names the signature
  // in the verdicts (ValidSigner::file). What gpg said of the same bytes is remembered and
  // judged again against the clock (key and signature expiry), so a signature checked
  // before costs no gpg run. Not thread-safe.
  Result<std::vector<std::variant<ValidSigner, std::string>>> Verify(std::string_view signature,
                                                                     std::string_view data,
                                                                     const std::string& label);

 private:
  struct State;
  explicit DetachedVerifier(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace vigil::release
