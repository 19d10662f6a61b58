#include "crypto/openssl_util.h"

#include <openssl/err.h>

namespace vigil::crypto {

Error OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string message = what + " failed inside OpenSSL";
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof(reason));
    message += std::string(": ") + reason;
  }
  ERR_clear_error();
  return Error::Failed(message);
}

}  // namespace vigil::crypto
