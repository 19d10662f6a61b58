// The deployment CA: one self-signed root per deployment that issues each role's
// certificate (subject CN = the role's name; tags as subjectAltName URIs "vigil:tag:T").
// Spec: docs/SPEC-ca.md.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::rpc {

// Creates DIR (which must not exist) holding ca.crt and ca.key (0600): an ECDSA P-256
// root valid for `days`. Nothing is left behind on failure.
Status InitCa(const std::filesystem::path& dir, int days);

struct IssuedFiles {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

// Issues DIR/NAME.crt and DIR/NAME.key (0600) for a role, signed by DIR's CA; refuses an
// existing NAME (a role's key is never overwritten) and names or tags outside
// [a-z0-9][a-z0-9.-]{0,62}.
Result<IssuedFiles> IssueCertificate(const std::filesystem::path& dir, const std::string& name,
                                     const std::vector<std::string>& tags, int days);

// A role name or tag: 1-63 of a-z 0-9 . -, starting with a letter or digit.
bool IsRoleName(std::string_view name);

// The prefix that marks a tag in a certificate's subjectAltName URIs.
inline constexpr char kTagUriPrefix[] = "vigil:tag:";

}  // namespace vigil::rpc
