// A logged-in PKCS#11 session on one token, with the module loaded (dlopen) and initialized
// for it, shared safely by several keys of one process; and the small helpers PKCS#11 calls
// need. Internal to signer/ (it carries p11-kit's PKCS#11 types); the public API is
// signer/pkcs11_key.h.
#pragma once

#include <p11-kit/pkcs11.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"
#include "signer/pkcs11_key.h"

namespace vigil::signer::pkcs11 {

// "\"TEXT\"", for labels in messages.
std::string Quoted(std::string_view text);
// "0x..." for a CK_ULONG (a key type, an unknown return value).
std::string Hex(CK_ULONG value);
// Failed "WHAT failed (CKR_NAME)".
Error Pkcs11Error(const std::string& what, CK_RV rv);

// A template entry. The C prototypes take non-const pointers although the module only
// reads templates, hence the const_cast.
inline CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size) {
  return {type, const_cast<void*>(value), size};
}
inline CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, const CK_BBOOL& value) {
  return Attribute(type, &value, sizeof(value));
}
inline CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return Attribute(type, value.data(), value.size());
}
inline CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, ByteView value) {
  return Attribute(type, value.data(), value.size());
}

// A logged-in read-write session on one token, with the module loaded and initialized for
// it. The destructor undoes what was done, in reverse order.
class Session {
 public:
  static Result<std::unique_ptr<Session>> Open(const Pkcs11KeyConfig& config);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  CK_FUNCTION_LIST& f() const { return *functions_; }
  CK_SESSION_HANDLE handle() const { return session_; }

  // The objects of class `object_class` labelled `label`.
  Result<std::vector<CK_OBJECT_HANDLE>> Find(CK_OBJECT_CLASS object_class, std::string_view label);
  Result<Bytes> GetAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                             std::string_view name);
  Result<CK_ULONG> GetUlongAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                                     std::string_view name);

 private:
  Session() = default;
  Status Load(const std::filesystem::path& module);
  Status Initialize();
  Result<CK_SLOT_ID> FindToken(const std::filesystem::path& module, std::string_view label);
  Status Login(const crypto::SecretBytes& pin);

  void* library_ = nullptr;
  CK_FUNCTION_LIST* functions_ = nullptr;
  bool initialized_ = false;
  CK_SLOT_ID slot_ = 0;
  bool session_open_ = false;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
  bool logged_in_ = false;
};

}  // namespace vigil::signer::pkcs11
