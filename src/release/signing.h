// `vigil release sign`: a detached, ASCII-armoured OpenPGP signature over DIST/SHA256SUMS,
// made with GPGME and kept as DIST/signatures/<FINGERPRINT>.asc.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"

namespace vigil::release {

struct SignOptions {
  std::string fingerprint;  // full fingerprint of the signer's primary key
  std::string gnupg_home;   // empty: the signer's normal GNUPGHOME
};

// Checks DIST's manifest, signs the checked SHA256SUMS bytes with the secret key named by
// its primary fingerprint, and writes the signature atomically (creating signatures/).
// kBadInput for a malformed fingerprint, a subkey fingerprint, or a secret key that is
// missing, revoked, expired, disabled or cannot sign; kFailed when DIST does not match its
// SHA256SUMS. Returns the path written.
Result<std::filesystem::path> SignRelease(const std::filesystem::path& dist,
                                          const SignOptions& options);

// A detached, armoured signature over `data` by the usable secret key whose primary
// fingerprint is options.fingerprint (the same refusals as SignRelease).
Result<std::string> SignDetached(std::string_view data, const SignOptions& options);
// `text` clear-signed (RFC 4880 section 7) by the same key, with the same refusals.
Result<std::string> SignClear(std::string_view text, const SignOptions& options);

}  // namespace vigil::release
