// Signer keys on a PKCS#11 token: finding the key pair by label and checking it, signing
// with it, and generating one. The session underneath is signer/pkcs11_session.h.
#include "signer/pkcs11_key.h"

#include <p11-kit/pkcs11.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "crypto/hash.h"
#include "signer/pkcs11_session.h"

namespace vigil::signer {
namespace {

using crypto::KeyAlgorithm;
using pkcs11::Attribute;
using pkcs11::Hex;
using pkcs11::Pkcs11Error;
using pkcs11::Quoted;
using pkcs11::Session;

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

// The attribute values templates point to; the module only reads them.
constexpr CK_BBOOL kTrue = CK_TRUE;
constexpr CK_BBOOL kFalse = CK_FALSE;

// The signature sizes both mechanisms produce: Ed25519, and ECDSA P-256 as raw r || s.
constexpr CK_ULONG kRawSignatureSize = 64;

bool Equal(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

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
  if (!public_key.Verify(AsBytes(kProbe), signature).ok()) {
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
