#include "git/git.h"

namespace vigil::git {

void EnsureInitialized() {
  static const int initialized = git_libgit2_init();
  (void)initialized;
}

std::string ErrorMessage(const std::string& what) {
  const git_error* error = git_error_last();
  return what + ": " + (error != nullptr && error->message != nullptr ? error->message : "unknown");
}

std::string OidHex(const git_oid* oid) {
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, oid);
  return hex;
}

}  // namespace vigil::git
