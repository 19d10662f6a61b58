// The PKCS#11 session: loading and initializing the module once per process, finding the
// token by label, logging in once per token, searching objects and reading attributes.
#include "signer/pkcs11_session.h"

#include <dlfcn.h>

#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <system_error>

namespace vigil::signer::pkcs11 {
namespace {

// CK_UNAVAILABLE_INFORMATION, without the header's C-style cast.
constexpr CK_ULONG kUnavailable = ~CK_ULONG{0};

// The name of a return value, so errors say CKR_PIN_INCORRECT rather than 0xa0.
std::string CkrName(CK_RV rv) {
  switch (rv) {
#define VIGIL_CKR_CASE(name) \
  case name:                 \
    return #name;
    VIGIL_CKR_CASE(CKR_OK)
    VIGIL_CKR_CASE(CKR_CANCEL)
    VIGIL_CKR_CASE(CKR_HOST_MEMORY)
    VIGIL_CKR_CASE(CKR_SLOT_ID_INVALID)
    VIGIL_CKR_CASE(CKR_GENERAL_ERROR)
    VIGIL_CKR_CASE(CKR_FUNCTION_FAILED)
    VIGIL_CKR_CASE(CKR_ARGUMENTS_BAD)
    VIGIL_CKR_CASE(CKR_CANT_LOCK)
    VIGIL_CKR_CASE(CKR_ATTRIBUTE_READ_ONLY)
    VIGIL_CKR_CASE(CKR_ATTRIBUTE_SENSITIVE)
    VIGIL_CKR_CASE(CKR_ATTRIBUTE_TYPE_INVALID)
    VIGIL_CKR_CASE(CKR_ATTRIBUTE_VALUE_INVALID)
    VIGIL_CKR_CASE(CKR_ACTION_PROHIBITED)
    VIGIL_CKR_CASE(CKR_DATA_INVALID)
    VIGIL_CKR_CASE(CKR_DATA_LEN_RANGE)
    VIGIL_CKR_CASE(CKR_DEVICE_ERROR)
    VIGIL_CKR_CASE(CKR_DEVICE_MEMORY)
    VIGIL_CKR_CASE(CKR_DEVICE_REMOVED)
    VIGIL_CKR_CASE(CKR_FUNCTION_CANCELED)
    VIGIL_CKR_CASE(CKR_FUNCTION_NOT_SUPPORTED)
    VIGIL_CKR_CASE(CKR_KEY_HANDLE_INVALID)
    VIGIL_CKR_CASE(CKR_KEY_SIZE_RANGE)
    VIGIL_CKR_CASE(CKR_KEY_TYPE_INCONSISTENT)
    VIGIL_CKR_CASE(CKR_KEY_FUNCTION_NOT_PERMITTED)
    VIGIL_CKR_CASE(CKR_KEY_UNEXTRACTABLE)
    VIGIL_CKR_CASE(CKR_MECHANISM_INVALID)
    VIGIL_CKR_CASE(CKR_MECHANISM_PARAM_INVALID)
    VIGIL_CKR_CASE(CKR_OBJECT_HANDLE_INVALID)
    VIGIL_CKR_CASE(CKR_OPERATION_ACTIVE)
    VIGIL_CKR_CASE(CKR_OPERATION_NOT_INITIALIZED)
    VIGIL_CKR_CASE(CKR_PIN_INCORRECT)
    VIGIL_CKR_CASE(CKR_PIN_INVALID)
    VIGIL_CKR_CASE(CKR_PIN_LEN_RANGE)
    VIGIL_CKR_CASE(CKR_PIN_EXPIRED)
    VIGIL_CKR_CASE(CKR_PIN_LOCKED)
    VIGIL_CKR_CASE(CKR_SESSION_CLOSED)
    VIGIL_CKR_CASE(CKR_SESSION_COUNT)
    VIGIL_CKR_CASE(CKR_SESSION_HANDLE_INVALID)
    VIGIL_CKR_CASE(CKR_SESSION_READ_ONLY)
    VIGIL_CKR_CASE(CKR_SESSION_EXISTS)
    VIGIL_CKR_CASE(CKR_SIGNATURE_INVALID)
    VIGIL_CKR_CASE(CKR_SIGNATURE_LEN_RANGE)
    VIGIL_CKR_CASE(CKR_TEMPLATE_INCOMPLETE)
    VIGIL_CKR_CASE(CKR_TEMPLATE_INCONSISTENT)
    VIGIL_CKR_CASE(CKR_TOKEN_NOT_PRESENT)
    VIGIL_CKR_CASE(CKR_TOKEN_NOT_RECOGNIZED)
    VIGIL_CKR_CASE(CKR_TOKEN_WRITE_PROTECTED)
    VIGIL_CKR_CASE(CKR_USER_ALREADY_LOGGED_IN)
    VIGIL_CKR_CASE(CKR_USER_NOT_LOGGED_IN)
    VIGIL_CKR_CASE(CKR_USER_PIN_NOT_INITIALIZED)
    VIGIL_CKR_CASE(CKR_USER_TYPE_INVALID)
    VIGIL_CKR_CASE(CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
    VIGIL_CKR_CASE(CKR_USER_TOO_MANY_TYPES)
    VIGIL_CKR_CASE(CKR_RANDOM_NO_RNG)
    VIGIL_CKR_CASE(CKR_DOMAIN_PARAMS_INVALID)
    VIGIL_CKR_CASE(CKR_CURVE_NOT_SUPPORTED)
    VIGIL_CKR_CASE(CKR_BUFFER_TOO_SMALL)
    VIGIL_CKR_CASE(CKR_CRYPTOKI_NOT_INITIALIZED)
    VIGIL_CKR_CASE(CKR_CRYPTOKI_ALREADY_INITIALIZED)
    VIGIL_CKR_CASE(CKR_MUTEX_BAD)
    VIGIL_CKR_CASE(CKR_MUTEX_NOT_LOCKED)
    VIGIL_CKR_CASE(CKR_FUNCTION_REJECTED)
#undef VIGIL_CKR_CASE
    default:
      return "CKR " + Hex(rv);
  }
}

// PKCS#11 allows one C_Initialize per process until C_Finalize, and a login belongs to the
// token (every session of the process shares it). So that several keys can be open at
// once, their sessions count the users of each module and of each token's login here: the
// first initializes (logs in), the last finalizes (logs out).
struct ModuleUsers {
  int sessions = 0;
  bool finalize = false;  // false when another library of the process initialized it
  std::map<CK_SLOT_ID, int> logins;
};
struct Registry {
  std::mutex mutex;
  std::map<void*, ModuleUsers> modules;  // by dlopen handle, the same for the same file
};
Registry& GetRegistry() {
  static auto* registry = new Registry;  // never destroyed: keys may outlive static objects
  return *registry;
}

}  // namespace

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Hex(CK_ULONG value) {
  char text[2 + 2 * sizeof(CK_ULONG) + 1];
  std::snprintf(text, sizeof(text), "0x%lx", value);
  return text;
}

// "WHAT failed (CKR_NAME)".
Error Pkcs11Error(const std::string& what, CK_RV rv) {
  return Error::Failed(what + " failed (" + CkrName(rv) + ")");
}

Result<std::unique_ptr<Session>> Session::Open(const Pkcs11KeyConfig& config) {
  if (config.key_label.empty()) return Error::BadInput("the PKCS#11 key label is empty");
  std::unique_ptr<Session> session(new Session);
  VIGIL_RETURN_IF_ERROR(session->Load(config.module));
  VIGIL_RETURN_IF_ERROR(session->Initialize());
  VIGIL_ASSIGN_OR_RETURN(session->slot_, session->FindToken(config.module, config.token_label));
  const CK_RV rv = session->f().C_OpenSession(session->slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION,
                                              nullptr, nullptr, &session->session_);
  if (rv != CKR_OK) {
    return Pkcs11Error("opening a PKCS#11 session on token " + Quoted(config.token_label), rv);
  }
  session->session_open_ = true;
  VIGIL_RETURN_IF_ERROR(session->Login(config.pin));
  return session;
}

Session::~Session() {
  if (initialized_) {
    Registry& registry = GetRegistry();
    std::lock_guard lock(registry.mutex);
    ModuleUsers& users = registry.modules[library_];
    if (logged_in_ && --users.logins[slot_] == 0) {
      users.logins.erase(slot_);
      f().C_Logout(session_);
    }
    if (session_open_) f().C_CloseSession(session_);
    if (--users.sessions == 0) {
      if (users.finalize) f().C_Finalize(nullptr);
      registry.modules.erase(library_);
    }
  }
  // The loader counts references, so this unloads only after the last session.
  if (library_ != nullptr) dlclose(library_);
}

Status Session::Load(const std::filesystem::path& module) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(module, error)) {
    return Error::MissingEnv("PKCS#11 module not found: " + module.string());
  }
  library_ = dlopen(module.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library_ == nullptr) {
    const char* reason = dlerror();
    return Error::MissingEnv("cannot load the PKCS#11 module " + module.string() + ": " +
                             (reason != nullptr ? reason : "unknown reason"));
  }
  auto get_function_list =
      reinterpret_cast<CK_C_GetFunctionList>(dlsym(library_, "C_GetFunctionList"));
  if (get_function_list == nullptr) {
    return Error::MissingEnv(module.string() + " is not a PKCS#11 module (no C_GetFunctionList)");
  }
  const CK_RV rv = get_function_list(&functions_);
  if (rv != CKR_OK || functions_ == nullptr) {
    return Pkcs11Error("C_GetFunctionList of " + module.string(), rv);
  }
  return OkStatus();
}

Status Session::Initialize() {
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  ModuleUsers& users = registry.modules[library_];
  if (users.sessions == 0) {
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;  // we call it from several threads
    const CK_RV rv = f().C_Initialize(&args);
    // Already initialized by another library of this process: use it, and leave
    // C_Finalize to that library.
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
      registry.modules.erase(library_);
      return Pkcs11Error("initializing the PKCS#11 module", rv);
    }
    users.finalize = rv == CKR_OK;
  }
  ++users.sessions;
  initialized_ = true;
  return OkStatus();
}

Result<CK_SLOT_ID> Session::FindToken(const std::filesystem::path& module, std::string_view label) {
  std::vector<CK_SLOT_ID> slots;
  CK_RV rv = CKR_BUFFER_TOO_SMALL;
  // Slots may appear between the two calls; then ask again.
  while (rv == CKR_BUFFER_TOO_SMALL) {
    CK_ULONG count = 0;
    rv = f().C_GetSlotList(CK_TRUE, nullptr, &count);
    if (rv != CKR_OK) break;
    slots.resize(count);
    rv = f().C_GetSlotList(CK_TRUE, slots.data(), &count);
    slots.resize(count);
  }
  if (rv != CKR_OK) return Pkcs11Error("listing the PKCS#11 slots", rv);

  std::vector<CK_SLOT_ID> matches;
  for (CK_SLOT_ID slot : slots) {
    CK_TOKEN_INFO info{};
    // A token removed meanwhile is simply not a match.
    if (f().C_GetTokenInfo(slot, &info) != CKR_OK) continue;
    // Labels are padded with spaces to 32 bytes (by some tokens with NULs).
    std::string_view token_label(reinterpret_cast<const char*>(info.label), sizeof(info.label));
    token_label =
        token_label.substr(0, token_label.find_last_not_of(std::string_view(" \0", 2)) + 1);
    if (token_label == label) matches.push_back(slot);
  }
  if (matches.empty()) {
    return Error::BadInput("no PKCS#11 token labelled " + Quoted(label) + " in " + module.string() +
                           " (list the tokens with `softhsm2-util --show-slots` or " +
                           "`pkcs11-tool --module " + module.string() + " --list-token-slots`)");
  }
  if (matches.size() > 1) {
    return Error::BadInput(std::to_string(matches.size()) + " PKCS#11 tokens are labelled " +
                           Quoted(label) + "; token labels must be unique");
  }
  return matches.front();
}

Status Session::Login(const crypto::SecretBytes& pin) {
  Registry& registry = GetRegistry();
  std::lock_guard lock(registry.mutex);
  int& logins = registry.modules[library_].logins[slot_];
  if (logins == 0) {
    // C_Login only reads the PIN; its prototype lacks the const.
    const CK_RV rv = f().C_Login(session_, CKU_USER, const_cast<CK_BYTE*>(pin.data()), pin.size());
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
      registry.modules[library_].logins.erase(slot_);
      return Pkcs11Error("PKCS#11 login", rv);
    }
  }
  ++logins;
  logged_in_ = true;
  return OkStatus();
}

Result<std::vector<CK_OBJECT_HANDLE>> Session::Find(CK_OBJECT_CLASS object_class,
                                                    std::string_view label) {
  std::array<CK_ATTRIBUTE, 2> search = {
      Attribute(CKA_CLASS, &object_class, sizeof(object_class)),
      Attribute(CKA_LABEL, label),
  };
  CK_RV rv = f().C_FindObjectsInit(session_, search.data(), search.size());
  if (rv != CKR_OK) return Pkcs11Error("searching PKCS#11 objects", rv);
  std::vector<CK_OBJECT_HANDLE> objects;
  std::array<CK_OBJECT_HANDLE, 16> batch{};
  CK_ULONG found = 0;
  while ((rv = f().C_FindObjects(session_, batch.data(), batch.size(), &found)) == CKR_OK &&
         found > 0) {
    objects.insert(objects.end(), batch.begin(), batch.begin() + static_cast<long>(found));
  }
  // Always ends the search: the session allows one at a time.
  f().C_FindObjectsFinal(session_);
  if (rv != CKR_OK) return Pkcs11Error("searching PKCS#11 objects", rv);
  return objects;
}

Result<Bytes> Session::GetAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                                    std::string_view name) {
  const std::string what = "reading " + std::string(name) + " of a PKCS#11 key";
  CK_ATTRIBUTE attribute = {type, nullptr, 0};
  CK_RV rv = f().C_GetAttributeValue(session_, object, &attribute, 1);
  if (rv != CKR_OK) return Pkcs11Error(what, rv);
  if (attribute.ulValueLen == kUnavailable) return Error::Failed(what + " failed");
  Bytes value(attribute.ulValueLen);
  attribute.pValue = value.data();
  rv = f().C_GetAttributeValue(session_, object, &attribute, 1);
  if (rv != CKR_OK) return Pkcs11Error(what, rv);
  value.resize(attribute.ulValueLen);
  return value;
}

Result<CK_ULONG> Session::GetUlongAttribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                                            std::string_view name) {
  CK_ULONG value = 0;
  CK_ATTRIBUTE attribute = {type, &value, sizeof(value)};
  const CK_RV rv = f().C_GetAttributeValue(session_, object, &attribute, 1);
  if (rv != CKR_OK) {
    return Pkcs11Error("reading " + std::string(name) + " of a PKCS#11 key", rv);
  }
  return value;
}

}  // namespace vigil::signer::pkcs11
