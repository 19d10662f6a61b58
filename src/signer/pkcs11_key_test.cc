// Tests against a real SoftHSM2 token, made fresh for each test in a temporary directory.
#include "signer/pkcs11_key.h"

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <p11-kit/pkcs11.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/subprocess.h"

namespace vigil::signer {
namespace {

using crypto::KeyAlgorithm;

constexpr char kModule[] = "/usr/lib/softhsm/libsofthsm2.so";

#if defined(__SANITIZE_ADDRESS__)
// SoftHSM2 2.6.1 leaks a few bytes of ASN.1 in each EdDSA C_SignInit (OSSL::byteString2oid,
// fixed upstream by softhsm/SoftHSMv2#863). Keep the module loaded, as our keys dlclose it,
// so that LeakSanitizer can name its frames at exit; the suppression is below.
[[maybe_unused]] void* const kPinnedModule = dlopen(kModule, RTLD_NOW | RTLD_NODELETE);
#endif

}  // namespace
}  // namespace vigil::signer

#if defined(__SANITIZE_ADDRESS__)
// The slow unwinder walks through libcrypto, which has no frame pointers, into SoftHSM2.
extern "C" __attribute__((used)) const char* __asan_default_options() {
  return "fast_unwind_on_malloc=0";
}
extern "C" __attribute__((used)) const char* __lsan_default_suppressions() {
  return "leak:libsofthsm2.so\n";
}
#endif

namespace vigil::signer {
namespace {
constexpr char kToken[] = "vigil-test";
constexpr char kPin[] = "1234";

// A bare PKCS#11 client, independent of the code under test, to inspect and alter the
// token's objects. Open it only while no key is open (one C_Initialize per process).
class RawToken {
 public:
  ~RawToken() {
    if (session_ != CK_INVALID_HANDLE) f_->C_CloseSession(session_);
    if (initialized_) f_->C_Finalize(nullptr);
    if (library_ != nullptr) dlclose(library_);
  }

  // Loads the module and logs in to the test token.
  CK_RV Open() {
    library_ = dlopen(kModule, RTLD_NOW | RTLD_LOCAL);
    if (library_ == nullptr) return CKR_GENERAL_ERROR;
    auto get = reinterpret_cast<CK_C_GetFunctionList>(dlsym(library_, "C_GetFunctionList"));
    if (get == nullptr) return CKR_GENERAL_ERROR;
    CK_RV rv = get(&f_);
    if (rv != CKR_OK) return rv;
    if ((rv = f_->C_Initialize(nullptr)) != CKR_OK) return rv;
    initialized_ = true;
    std::vector<CK_SLOT_ID> slots(16);
    CK_ULONG count = slots.size();
    if ((rv = f_->C_GetSlotList(CK_TRUE, slots.data(), &count)) != CKR_OK) return rv;
    for (CK_ULONG i = 0; i < count; ++i) {
      CK_TOKEN_INFO info{};
      if (f_->C_GetTokenInfo(slots[i], &info) != CKR_OK) continue;
      std::string label(reinterpret_cast<const char*>(info.label), sizeof(info.label));
      if (label.substr(0, label.find_last_not_of(' ') + 1) != kToken) continue;
      rv = f_->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr,
                             &session_);
      if (rv != CKR_OK) return rv;
      std::string pin = kPin;
      return f_->C_Login(session_, CKU_USER, reinterpret_cast<CK_BYTE*>(pin.data()), pin.size());
    }
    return CKR_TOKEN_NOT_PRESENT;
  }

  std::vector<CK_OBJECT_HANDLE> Find(CK_OBJECT_CLASS object_class, std::string label) {
    CK_ATTRIBUTE search[] = {{CKA_CLASS, &object_class, sizeof(object_class)},
                             {CKA_LABEL, label.data(), label.size()}};
    std::vector<CK_OBJECT_HANDLE> objects(16);
    CK_ULONG count = 0;
    if (f_->C_FindObjectsInit(session_, search, 2) != CKR_OK ||
        f_->C_FindObjects(session_, objects.data(), objects.size(), &count) != CKR_OK) {
      count = 0;
    }
    f_->C_FindObjectsFinal(session_);
    objects.resize(count);
    return objects;
  }

  // The value of a CK_BBOOL attribute, or nullopt when it cannot be read.
  std::optional<bool> GetBool(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    CK_BBOOL value = CK_FALSE;
    CK_ATTRIBUTE attribute = {type, &value, sizeof(value)};
    if (f_->C_GetAttributeValue(session_, object, &attribute, 1) != CKR_OK) return std::nullopt;
    return value == CK_TRUE;
  }

  // What C_GetAttributeValue says when asked for an attribute into a large buffer.
  CK_RV TryRead(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type) {
    std::vector<CK_BYTE> buffer(4096);
    CK_ATTRIBUTE attribute = {type, buffer.data(), buffer.size()};
    return f_->C_GetAttributeValue(session_, object, &attribute, 1);
  }

  CK_RV SetLabel(CK_OBJECT_HANDLE object, std::string label) {
    CK_ATTRIBUTE attribute = {CKA_LABEL, label.data(), label.size()};
    return f_->C_SetAttributeValue(session_, object, &attribute, 1);
  }

 private:
  void* library_ = nullptr;
  CK_FUNCTION_LIST* f_ = nullptr;
  bool initialized_ = false;
  CK_SESSION_HANDLE session_ = CK_INVALID_HANDLE;
};

class Pkcs11KeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModule) || FindExecutable("softhsm2-util").empty()) {
      FAIL() << "SoftHSM2 is not installed: run scripts/setup";
    }
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-pkcs11-");
    ASSERT_TRUE(dir.ok()) << dir.error().message();
    dir_.emplace(std::move(dir).value());
    std::filesystem::create_directory(dir_->path() / "tokens");
    const std::string conf = "directories.tokendir = " + (dir_->path() / "tokens").string() +
                             "\nobjectstore.backend = file\nlog.level = ERROR\n";
    ASSERT_TRUE(WriteFileAtomic(dir_->path() / "softhsm2.conf", AsBytes(conf)).ok());
    // SoftHSM2 reads its configuration in C_Initialize; every key of a test finalizes the
    // module when it is destroyed, so each test sees its own token directory.
    ::setenv("SOFTHSM2_CONF", (dir_->path() / "softhsm2.conf").c_str(), 1);
    auto init = vigil::Run({.argv = {"softhsm2-util", "--init-token", "--free", "--label", kToken,
                                     "--so-pin", "5678", "--pin", kPin},
                            .capture_stderr = true});
    ASSERT_TRUE(init.ok()) << init.error().message();
    ASSERT_TRUE(init->exit.ok()) << init->output;
  }

  void TearDown() override { ::unsetenv("SOFTHSM2_CONF"); }

  static Pkcs11KeyConfig Config(KeyAlgorithm algorithm, const std::string& key_label = "release",
                                const std::string& pin = kPin) {
    return {.module = kModule,
            .token_label = kToken,
            .key_label = key_label,
            .algorithm = algorithm,
            .pin = crypto::SecretBytes(AsBytes(pin))};
  }

  // Checks `signature` of `message` with the openssl command, independently of our code.
  void ExpectOpensslVerifies(const crypto::PublicKey& key, const std::string& message,
                             const Bytes& signature) {
    const auto path = [&](const char* name) { return (dir_->path() / name).string(); };
    ASSERT_TRUE(WriteFileAtomic(path("pub.pem"), AsBytes(key.Pem())).ok());
    ASSERT_TRUE(WriteFileAtomic(path("message"), AsBytes(message)).ok());
    ASSERT_TRUE(WriteFileAtomic(path("signature"), signature).ok());
    std::vector<std::string> argv =
        key.algorithm() == KeyAlgorithm::kEcdsaP256
            ? std::vector<std::string>{"openssl",         "dgst",          "-sha256",
                                       "-verify",         path("pub.pem"), "-signature",
                                       path("signature"), path("message")}
            : std::vector<std::string>{"openssl",       "pkeyutl",       "-verify",        "-pubin",
                                       "-inkey",        path("pub.pem"), "-rawin",         "-in",
                                       path("message"), "-sigfile",      path("signature")};
    auto run = vigil::Run({.argv = argv, .capture_stderr = true});
    ASSERT_TRUE(run.ok()) << run.error().message();
    EXPECT_TRUE(run->exit.ok()) << run->output;
  }

  // Generates, opens, signs and verifies with a key of `algorithm`.
  void GenerateOpenSignVerify(KeyAlgorithm algorithm) {
    auto generated = GeneratePkcs11Key(Config(algorithm));
    ASSERT_TRUE(generated.ok()) << generated.error().message();
    EXPECT_EQ(generated->algorithm(), algorithm);

    auto key = OpenPkcs11Key(Config(algorithm));
    ASSERT_TRUE(key.ok()) << key.error().message();
    const crypto::PublicKey& public_key = (*key)->public_key();
    EXPECT_EQ(public_key.der(), generated->der());

    const std::string message = "an in-toto statement";
    auto signature = (*key)->Sign(AsBytes(message));
    ASSERT_TRUE(signature.ok()) << signature.error().message();
    if (algorithm == KeyAlgorithm::kEd25519) {
      EXPECT_EQ(signature->size(), 64u);
    }
    EXPECT_TRUE(public_key.Verify(AsBytes(message), *signature).ok());
    EXPECT_FALSE(public_key.Verify(AsBytes("an in-toto statemenT"), *signature).ok());
    ExpectOpensslVerifies(public_key, message, *signature);

    auto empty = (*key)->Sign({});
    ASSERT_TRUE(empty.ok()) << empty.error().message();
    EXPECT_TRUE(public_key.Verify({}, *empty).ok());
  }

  std::optional<TempDir> dir_;
};

TEST_F(Pkcs11KeyTest, Ed25519GeneratesOpensSignsAndVerifies) {
  GenerateOpenSignVerify(KeyAlgorithm::kEd25519);
}

TEST_F(Pkcs11KeyTest, EcdsaP256GeneratesOpensSignsAndVerifies) {
  GenerateOpenSignVerify(KeyAlgorithm::kEcdsaP256);
}

TEST_F(Pkcs11KeyTest, KeyIsStillThereAfterReopening) {
  auto generated = GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519));
  ASSERT_TRUE(generated.ok()) << generated.error().message();
  for (int i = 0; i < 2; ++i) {
    auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519));
    ASSERT_TRUE(key.ok()) << key.error().message();
    EXPECT_EQ((*key)->public_key().KeyId(), generated->KeyId());
  }
}

TEST_F(Pkcs11KeyTest, SignsFromSeveralThreads) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEcdsaP256)).ok());
  auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256));
  ASSERT_TRUE(key.ok()) << key.error().message();
  std::vector<std::thread> threads;
  std::vector<int> verified(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string message = "thread " + std::to_string(t) + " message " + std::to_string(i);
        auto signature = (*key)->Sign(AsBytes(message));
        if (signature.ok() && (*key)->public_key().Verify(AsBytes(message), *signature).ok()) {
          ++verified[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(verified, std::vector<int>(4, 10));
}

TEST_F(Pkcs11KeyTest, SeveralKeysMayBeOpenAtOnce) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "a")).ok());
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "b")).ok());
  auto a = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "a"));
  auto b = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "b"));
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(b.ok()) << b.error().message();
  // Generating shares the module and the login too.
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "c")).ok());
  // Closing one key must neither finalize the module nor log out the other.
  a->reset();
  auto signature = (*b)->Sign(AsBytes("still here"));
  ASSERT_TRUE(signature.ok()) << signature.error().message();
  EXPECT_TRUE((*b)->public_key().Verify(AsBytes("still here"), *signature).ok());
  b->reset();
  // And the module can be initialized again after the last key closed.
  auto c = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "c"));
  ASSERT_TRUE(c.ok()) << c.error().message();
}

TEST_F(Pkcs11KeyTest, WrongPinFails) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519)).ok());
  auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "release", "98765"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kFailed);
  EXPECT_EQ(key.error().message(), "PKCS#11 login failed (CKR_PIN_INCORRECT)");
  auto generated = GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "other", "98765"));
  ASSERT_FALSE(generated.ok());
  EXPECT_EQ(generated.error().message().find("98765"), std::string::npos);
}

TEST_F(Pkcs11KeyTest, UnknownTokenFails) {
  Pkcs11KeyConfig config = Config(KeyAlgorithm::kEd25519);
  config.token_label = "no-such-token";
  auto key = OpenPkcs11Key(config);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(key.error().message().find("\"no-such-token\""), std::string::npos);
  EXPECT_NE(key.error().message().find("softhsm2-util --show-slots"), std::string::npos);
  // A prefix of the label is not the label.
  config.token_label = "vigil";
  EXPECT_EQ(GeneratePkcs11Key(config).status().error().code(), ErrorCode::kBadInput);
}

TEST_F(Pkcs11KeyTest, MissingModuleIsMissingEnvironment) {
  Pkcs11KeyConfig config = Config(KeyAlgorithm::kEd25519);
  config.module = dir_->path() / "libnothing.so";
  auto key = OpenPkcs11Key(config);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kMissingEnv);
  EXPECT_NE(key.error().message().find(config.module.string()), std::string::npos);
  // A file that is not a shared object.
  config.module = dir_->path() / "softhsm2.conf";
  EXPECT_EQ(OpenPkcs11Key(config).status().error().code(), ErrorCode::kMissingEnv);
}

TEST_F(Pkcs11KeyTest, UnknownKeyLabelFails) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519)).ok());
  auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "nope"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(key.error().message().find("vigil-signer --init-key nope"), std::string::npos)
      << key.error().message();
}

TEST_F(Pkcs11KeyTest, WrongAlgorithmFails) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "ed")).ok());
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "ec")).ok());
  auto ed = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "ed"));
  ASSERT_FALSE(ed.ok());
  EXPECT_EQ(ed.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(ed.error().message().find("not an ecdsa-p256 key"), std::string::npos);
  auto ec = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "ec"));
  ASSERT_FALSE(ec.ok());
  EXPECT_EQ(ec.error().code(), ErrorCode::kBadInput);
}

TEST_F(Pkcs11KeyTest, GeneratingTheSameLabelTwiceFails) {
  auto first = GeneratePkcs11Key(Config(KeyAlgorithm::kEcdsaP256));
  ASSERT_TRUE(first.ok()) << first.error().message();
  auto second = GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(second.error().message().find("already exists"), std::string::npos);
  // The first key is untouched.
  auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256));
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ((*key)->public_key().der(), first->der());
}

TEST_F(Pkcs11KeyTest, OpensKeysMadeByPkcs11ToolAndRefusesDuplicates) {
  if (FindExecutable("pkcs11-tool").empty())
    FAIL() << "pkcs11-tool (opensc) is missing: run scripts/setup";
  const auto keygen = [](const std::string& type, const std::string& label) {
    auto run = vigil::Run(
        {.argv = {"pkcs11-tool", "--module", kModule, "--login", "--pin", kPin, "--token-label",
                  kToken, "--keypairgen", "--key-type", type, "--label", label},
         .capture_stderr = true});
    ASSERT_TRUE(run.ok()) << run.error().message();
    ASSERT_TRUE(run->exit.ok()) << run->output;
  };
  keygen("EC:prime256v1", "tool-ec");
  keygen("EC:edwards25519", "tool-ed");
  keygen("EC:prime256v1", "twice");
  keygen("EC:prime256v1", "twice");

  auto ec = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "tool-ec"));
  ASSERT_TRUE(ec.ok()) << ec.error().message();
  auto signature = (*ec)->Sign(AsBytes("m"));
  ASSERT_TRUE(signature.ok()) << signature.error().message();
  EXPECT_TRUE((*ec)->public_key().Verify(AsBytes("m"), *signature).ok());
  ec->reset();
  auto ed = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "tool-ed"));
  ASSERT_TRUE(ed.ok()) << ed.error().message();
  ed->reset();

  auto twice = OpenPkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "twice"));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(twice.error().message().find("2 PKCS#11 private keys"), std::string::npos)
      << twice.error().message();
}

TEST_F(Pkcs11KeyTest, RefusesAPublicKeyOfAnotherPair) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "a")).ok());
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "b")).ok());
  {
    // Swap the labels of the two public keys.
    RawToken token;
    ASSERT_EQ(token.Open(), CKR_OK);
    auto a = token.Find(CKO_PUBLIC_KEY, "a");
    auto b = token.Find(CKO_PUBLIC_KEY, "b");
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    ASSERT_EQ(token.SetLabel(a[0], "b"), CKR_OK);
    ASSERT_EQ(token.SetLabel(b[0], "a"), CKR_OK);
  }
  auto key = OpenPkcs11Key(Config(KeyAlgorithm::kEd25519, "a"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(key.error().message().find("does not belong"), std::string::npos);
}

TEST_F(Pkcs11KeyTest, PrivateKeysAreSensitiveAndNotExtractable) {
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEd25519, "ed")).ok());
  ASSERT_TRUE(GeneratePkcs11Key(Config(KeyAlgorithm::kEcdsaP256, "ec")).ok());
  RawToken token;
  ASSERT_EQ(token.Open(), CKR_OK);
  for (const char* label : {"ed", "ec"}) {
    SCOPED_TRACE(label);
    auto keys = token.Find(CKO_PRIVATE_KEY, label);
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(token.GetBool(keys[0], CKA_SENSITIVE), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_ALWAYS_SENSITIVE), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_EXTRACTABLE), false);
    EXPECT_EQ(token.GetBool(keys[0], CKA_NEVER_EXTRACTABLE), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_PRIVATE), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_TOKEN), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_SIGN), true);
    EXPECT_EQ(token.GetBool(keys[0], CKA_DERIVE), false);
    EXPECT_EQ(token.TryRead(keys[0], CKA_VALUE), CKR_ATTRIBUTE_SENSITIVE);
    // The public half is readable.
    auto publics = token.Find(CKO_PUBLIC_KEY, label);
    ASSERT_EQ(publics.size(), 1u);
    EXPECT_EQ(token.TryRead(publics[0], CKA_EC_POINT), CKR_OK);
  }
}

}  // namespace
}  // namespace vigil::signer
