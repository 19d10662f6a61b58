#include "signer/pkcs11_key.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::signer {
namespace {

using crypto::KeyAlgorithm;

// CKA_EC_PARAMS of P-256: the DER OID 1.2.840.10045.3.1.7 (prime256v1).
constexpr std::array<CK_BYTE, 10> kP256Params = {0x06, 0x08, 0x2a, 0x86, 0x48,
                                                 0xce, 0x3d, 0x03, 0x01, 0x07};
// CKA_EC_PARAMS of Ed25519, in the two forms PKCS#11 3.0 allows: the DER OID 1.3.101.112
// (id-Ed25519, as in RFC 8410 public keys) and the PrintableString "edwards25519" (what
// OpenSC's pkcs11-tool writes). SoftHSM2 2.6.1 generates keys from either; we generate
// with the OID and accept both.
constexpr std::array<CK_BYTE, 14> kEd25519ParamsName = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                                        'd',  's',  '2', '5', '5', '1', '9'};
constexpr std::array<CK_BYTE, 5> kEd25519ParamsOid = {0x06, 0x03, 0x2b, 0x65, 0x70};

// CK_UNAVAILABLE_INFORMATION, without the header's C-style cast.
constexpr CK_ULONG kUnavailable = ~CK_ULONG{0};

// The attribute values templates point to; the module only reads them.
constexpr CK_BBOOL kTrue = CK_TRUE;
constexpr CK_BBOOL kFalse = CK_FALSE;

// The signature sizes both mechanisms produce: Ed25519, and ECDSA P-256 as raw r || s.
constexpr CK_ULONG kRawSignatureSize = 64;

bool Equal(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string Hex(CK_ULONG value) {
  char text[2 + 2 * sizeof(CK_ULONG) + 1];
  std::snprintf(text, sizeof(text), "0x%lx", value);
  return text;
}

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

// "WHAT failed (CKR_NAME)".
Error Pkcs11Error(const std::string& what, CK_RV rv) {
  return Error::Failed(what + " failed (" + CkrName(rv) + ")");
}

// A template entry. The C prototypes take non-const pointers although the module only
// reads templates, hence the const_cast.
CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, const void* value, std::size_t size) {
  return {type, const_cast<void*>(value), size};
}
CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, const CK_BBOOL& value) {
  return Attribute(type, &value, sizeof(value));
}
CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, std::string_view value) {
  return Attribute(type, value.data(), value.size());
}
CK_ATTRIBUTE Attribute(CK_ATTRIBUTE_TYPE type, ByteView value) {
  return Attribute(type, value.data(), value.size());
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

// BadInput unless `object` is a key of `algorithm`: CKK_EC on P-256 or CKK_EC_EDWARDS on
// Ed25519.
Status CheckKeyType(Session& session, CK_OBJECT_HANDLE object, const Pkcs11KeyConfig& config) {
  const bool p256 = config.algorithm == KeyAlgorithm::kEcdsaP256;
  VIGIL_ASSIGN_OR_RETURN(CK_ULONG key_type,
                         session.GetUlongAttribute(object, CKA_KEY_TYPE, "CKA_KEY_TYPE"));
  bool matches = key_type == (p256 ? CKK_EC : CKK_EC_EDWARDS);
  std::string found = "key type " + Hex(key_type);
  if (matches) {
    VIGIL_ASSIGN_OR_RETURN(Bytes params,
                           session.GetAttribute(object, CKA_EC_PARAMS, "CKA_EC_PARAMS"));
    matches = p256 ? Equal(params, kP256Params)
                   : Equal(params, kEd25519ParamsName) || Equal(params, kEd25519ParamsOid);
    found = "CKA_EC_PARAMS " + HexEncode(params);
  }
  if (!matches) {
    return Error::BadInput("the PKCS#11 key " + Quoted(config.key_label) + " is not an " +
                           std::string(crypto::KeyAlgorithmName(config.algorithm)) + " key (" +
                           found + ")");
  }
  return OkStatus();
}

// The public key of a CKO_PUBLIC_KEY object.
Result<crypto::PublicKey> ReadPublicKey(Session& session, CK_OBJECT_HANDLE object,
                                        const Pkcs11KeyConfig& config) {
  VIGIL_RETURN_IF_ERROR(CheckKeyType(session, object, config));
  VIGIL_ASSIGN_OR_RETURN(Bytes point, session.GetAttribute(object, CKA_EC_POINT, "CKA_EC_POINT"));
  // CKA_EC_POINT is the DER OCTET STRING of the raw point; some tokens give the raw point
  // itself. Both raw sizes are below 128, so the DER length is one byte.
  const std::size_t raw_size = config.algorithm == KeyAlgorithm::kEd25519 ? 32 : 65;
  ByteView raw = point;
  if (point.size() == raw_size + 2 && point[0] == 0x04 && point[1] == raw_size) {
    raw = raw.subspan(2);
  } else if (point.size() != raw_size) {
    return Error::BadInput("the PKCS#11 public key " + Quoted(config.key_label) +
                           " has a malformed CKA_EC_POINT (" + HexEncode(point) + ")");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes der, crypto::PublicKeyDerFromRaw(config.algorithm, raw));
  return crypto::PublicKey::FromDer(der);
}

class Pkcs11Key final : public SigningKey {
 public:
  Pkcs11Key(std::unique_ptr<Session> session, CK_OBJECT_HANDLE private_key,
            crypto::PublicKey public_key)
      : session_(std::move(session)),
        private_key_(private_key),
        public_key_(std::move(public_key)) {}

  const crypto::PublicKey& public_key() const override { return public_key_; }

  Result<Bytes> Sign(ByteView message) override {
    const bool p256 = public_key_.algorithm() == KeyAlgorithm::kEcdsaP256;
    const crypto::Sha256Digest digest = p256 ? crypto::Sha256(message) : crypto::Sha256Digest{};
    ByteView input = p256 ? ByteView(digest) : message;
    // An empty span may have no address, which modules reject as CKR_ARGUMENTS_BAD.
    static constexpr CK_BYTE kNothing = 0;
    CK_BYTE* data = const_cast<CK_BYTE*>(input.empty() ? &kNothing : input.data());
    CK_MECHANISM mechanism = {p256 ? CKM_ECDSA : CKM_EDDSA, nullptr, 0};

    // One operation at a time per session.
    std::lock_guard lock(mutex_);
    CK_FUNCTION_LIST& f = session_->f();
    CK_RV rv = f.C_SignInit(session_->handle(), &mechanism, private_key_);
    if (rv != CKR_OK) return Pkcs11Error("starting a PKCS#11 signature", rv);
    // Asks for the size first; either call ends the operation if it fails.
    CK_ULONG size = 0;
    rv = f.C_Sign(session_->handle(), data, input.size(), nullptr, &size);
    if (rv != CKR_OK) return Pkcs11Error("PKCS#11 signing", rv);
    Bytes signature(size);
    rv = f.C_Sign(session_->handle(), data, input.size(), signature.data(), &size);
    if (rv != CKR_OK) return Pkcs11Error("PKCS#11 signing", rv);
    signature.resize(size);
    if (signature.size() != kRawSignatureSize) {
      return Error::Failed("the PKCS#11 token returned a " + std::to_string(signature.size()) +
                           "-byte signature; expected " + std::to_string(kRawSignatureSize));
    }
    if (p256) return crypto::EcdsaRawToDer(signature);
    return signature;
  }

 private:
  std::mutex mutex_;
  std::unique_ptr<Session> session_;
  CK_OBJECT_HANDLE private_key_;
  crypto::PublicKey public_key_;
};

// The one object of `object_class` labelled as the key.
Result<CK_OBJECT_HANDLE> FindOne(Session& session, CK_OBJECT_CLASS object_class,
                                 const Pkcs11KeyConfig& config) {
  const std::string what = object_class == CKO_PRIVATE_KEY ? "private" : "public";
  VIGIL_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> objects,
                         session.Find(object_class, config.key_label));
  if (objects.empty()) {
    return Error::BadInput("no PKCS#11 " + what + " key labelled " + Quoted(config.key_label) +
                           " on token " + Quoted(config.token_label) +
                           " (create it with `vigil-signer --init-key " + config.key_label + "`)");
  }
  if (objects.size() > 1) {
    return Error::BadInput(std::to_string(objects.size()) + " PKCS#11 " + what +
                           " keys are labelled " + Quoted(config.key_label) + " on token " +
                           Quoted(config.token_label) + "; key labels must be unique");
  }
  return objects.front();
}

}  // namespace

Result<std::unique_ptr<SigningKey>> OpenPkcs11Key(const Pkcs11KeyConfig& config) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open(config));
  VIGIL_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE private_key, FindOne(*session, CKO_PRIVATE_KEY, config));
  VIGIL_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE public_object, FindOne(*session, CKO_PUBLIC_KEY, config));
  VIGIL_RETURN_IF_ERROR(CheckKeyType(*session, private_key, config));
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey public_key,
                         ReadPublicKey(*session, public_object, config));
  auto key = std::make_unique<Pkcs11Key>(std::move(session), private_key, public_key);
  // Labels are not unique across key pairs: a test signature shows that the public key
  // belongs to the private key, before anything is signed with a wrong key id.
  constexpr std::string_view kProbe = "vigil PKCS#11 key check";
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, key->Sign(AsBytes(kProbe)));
  if (!public_key.Verify(AsBytes(kProbe), signature)) {
    return Error::BadInput("the PKCS#11 public key labelled " + Quoted(config.key_label) +
                           " does not belong to the private key of that label");
  }
  return std::unique_ptr<SigningKey>(std::move(key));
}

Result<crypto::PublicKey> GeneratePkcs11Key(const Pkcs11KeyConfig& config) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<Session> session, Session::Open(config));
  for (CK_OBJECT_CLASS object_class : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY}) {
    VIGIL_ASSIGN_OR_RETURN(std::vector<CK_OBJECT_HANDLE> objects,
                           session->Find(object_class, config.key_label));
    if (!objects.empty()) {
      return Error::BadInput("a PKCS#11 key labelled " + Quoted(config.key_label) +
                             " already exists on token " + Quoted(config.token_label));
    }
  }

  const bool p256 = config.algorithm == KeyAlgorithm::kEcdsaP256;
  const ByteView params = p256 ? ByteView(kP256Params) : ByteView(kEd25519ParamsOid);
  std::array<CK_ATTRIBUTE, 4> public_template = {
      Attribute(CKA_TOKEN, kTrue),
      Attribute(CKA_VERIFY, kTrue),
      Attribute(CKA_LABEL, config.key_label),
      Attribute(CKA_EC_PARAMS, params),
  };
  std::array<CK_ATTRIBUTE, 7> private_template = {
      Attribute(CKA_TOKEN, kTrue),     Attribute(CKA_PRIVATE, kTrue),
      Attribute(CKA_SENSITIVE, kTrue), Attribute(CKA_EXTRACTABLE, kFalse),
      Attribute(CKA_SIGN, kTrue),      Attribute(CKA_LABEL, config.key_label),
      Attribute(CKA_DERIVE, kFalse),
  };
  CK_MECHANISM mechanism = {p256 ? CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN, nullptr, 0};
  CK_OBJECT_HANDLE public_object = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE private_key = CK_INVALID_HANDLE;
  const CK_RV rv = session->f().C_GenerateKeyPair(
      session->handle(), &mechanism, public_template.data(), public_template.size(),
      private_template.data(), private_template.size(), &public_object, &private_key);
  if (rv != CKR_OK) {
    return Pkcs11Error("generating an " + std::string(crypto::KeyAlgorithmName(config.algorithm)) +
                           " key pair on PKCS#11 token " + Quoted(config.token_label),
                       rv);
  }
  Result<crypto::PublicKey> public_key = ReadPublicKey(*session, public_object, config);
  if (!public_key.ok()) {
    // A pair that cannot be used must not block the label for the next attempt.
    session->f().C_DestroyObject(session->handle(), private_key);
    session->f().C_DestroyObject(session->handle(), public_object);
  }
  return public_key;
}

}  // namespace vigil::signer
