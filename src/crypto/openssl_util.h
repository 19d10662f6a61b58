// Ownership of OpenSSL objects and OpenSSL failures as Errors, shared by every module that
// calls OpenSSL directly.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

namespace vigil::crypto {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
// OpenSslPtr<X509, X509_free> frees with X509_free.
template <typename T, auto Free>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<Free>>;

// "WHAT failed inside OpenSSL: REASON" (kFailed) with the oldest queued reason, and
// clears OpenSSL's error queue so that the next failure reports its own cause.
Error OpenSslError(const std::string& what);

}  // namespace vigil::crypto
