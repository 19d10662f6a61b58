// A maintainer's command as a code host or a file carries it: one line, OpenPGP
// clear-signed (RFC 4880 section 7), read strictly (docs/SPEC-gateway.md, "Signed
// commands"). Code hosts pad comments, and the clear-signature does not cover line ends or
// trailing whitespace, so the text is first normalised: CRLF to LF, trailing spaces and
// tabs dropped from each line, blank lines around the message dropped. Then exactly:
//   -----BEGIN PGP SIGNED MESSAGE-----
//   Hash: SHA256 | SHA384 | SHA512
//   (blank)
//   THE LINE                  (kMaxCommandLine bytes at most, of A-Z a-z 0-9 space . _ : + - /)
//   -----BEGIN PGP SIGNATURE-----
//   (blank)
//   BASE64 ... [=CRC24]
//   -----END PGP SIGNATURE-----
// and the signature must be one packet: a v4 signature over canonical text (type 0x01)
// whose hash algorithm is the one the armor names.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::gateway {

inline constexpr std::size_t kMaxSignedCommand = 16 * 1024;
inline constexpr std::size_t kMaxCommandLine = 200;

struct ClearSigned {
  std::string line;        // what was signed
  std::string signature;   // the armored signature block, as gpg reads a detached one
  std::string normalized;  // the whole text after normalisation (its hash names a submission)
};

// kBadInput naming what is wrong.
Result<ClearSigned> ParseClearSigned(std::string_view text);

}  // namespace vigil::gateway
