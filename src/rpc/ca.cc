#include "rpc/ca.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>

#include "base/file.h"
#include "crypto/openssl_util.h"
#include "crypto/pem_files.h"

namespace vigil::rpc {

// Certificates and keys are read by crypto/ (one reader for the TLS files and the signer's).
using crypto::CertPtr;
using crypto::KeyPtr;
using crypto::ReadCertificatePem;
using crypto::ReadPrivateKeyPem;
namespace {

namespace fs = std::filesystem;

using crypto::OpenSslError;
using BioPtr = crypto::OpenSslPtr<BIO, BIO_free>;

}  // namespace

bool IsRoleName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
  // The name goes into the certificate's DNS SAN: no empty label ("a..b") or final dot.
  if (s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

namespace {

Status CheckDays(int days) {
  if (days < 1 || days > 36500) return Error::BadInput("--days must be between 1 and 36500");
  return OkStatus();
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError("adding a certificate extension");
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return OpenSslError("adding a certificate extension");
  return OkStatus();
}

// A certificate for `key` named CN=`common_name`, valid from now for `days`, with a random
// 128-bit serial; the caller adds extensions and signs it.
Result<CertPtr> NewCertificate(EVP_PKEY* key, const std::string& common_name, int days) {
  CertPtr cert(X509_new());
  crypto::OpenSslPtr<BIGNUM, BN_free> serial(BN_new());
  if (!cert || !serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * days) == nullptr ||
      X509_set_pubkey(cert.get(), key) != 1 ||
      X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return OpenSslError("making a certificate");
  }
  return cert;
}

Result<std::string> Pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return OpenSslError("writing PEM");
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

Status WritePrivateKey(const fs::path& path, EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError("writing a private key");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return CreateFileAtomic(
      path, ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)),
      0600);
}

// The role's name and tags: each a role name, each tag once, and not the CA's own name.
Status CheckRoleRequest(const std::string& name, const std::vector<std::string>& tags) {
  if (!IsRoleName(name)) {
    return Error::BadInput("role name '" + name + "' must be 1-63 of a-z, 0-9, '.', '-'");
  }
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (!IsRoleName(tags[i])) {
      return Error::BadInput("tag '" + tags[i] + "' must be 1-63 of a-z, 0-9, '.', '-'");
    }
    // Each tag once: a repeat is a mistake in the command, not written twice or merged.
    if (std::find(tags.begin(), tags.begin() + static_cast<std::ptrdiff_t>(i), tags[i]) !=
        tags.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Error::BadInput("tag '" + tags[i] + "' is given twice; give each tag once");
    }
  }
  if (name == "ca") return Error::BadInput("'ca' is the CA's own name");
  return OkStatus();
}

// The role's files do not exist yet, and DIR holds a CA.
Status CheckIssueTarget(const fs::path& dir, const IssuedFiles& files) {
  std::error_code ec;
  for (const auto& p : {files.certificate, files.key}) {
    if (fs::symlink_status(p, ec).type() != fs::file_type::not_found) {
      return Error::BadInput(p.string() + " already exists; a role's key is never overwritten");
    }
  }
  if (!fs::is_regular_file(dir / "ca.key", ec) || !fs::is_regular_file(dir / "ca.crt", ec)) {
    return Error::BadInput(dir.string() +
                           " is not a CA directory; create one with `vigil ca init`");
  }
  return OkStatus();
}

// A role certificate never outlives the CA that vouches for it: peers would refuse it after
// the CA's expiry anyway, and the error would come far from its cause.
Status EndWithinCa(X509* cert, X509* ca_cert, const fs::path& dir, int days) {
  int day_margin = 0;
  int second_margin = 0;
  if (ASN1_TIME_diff(&day_margin, &second_margin, X509_get0_notAfter(cert),
                     X509_get0_notAfter(ca_cert)) != 1) {
    return OpenSslError("comparing validity with the CA's");
  }
  if (day_margin == 0 && second_margin < 0) {
    // Within the CA's last day (e.g. both made for the same number of days, moments apart):
    // end with the CA rather than refuse.
    if (X509_set1_notAfter(cert, X509_get0_notAfter(ca_cert)) != 1) {
      return OpenSslError("ending the certificate with the CA");
    }
  } else if (day_margin < 0 || second_margin < 0) {
    const int ca_days_left = days + day_margin;
    if (ca_days_left <= 0) {
      return Error::BadInput("the CA in " + dir.string() +
                             " has expired (or expires today); make a new CA");
    }
    return Error::BadInput("--days " + std::to_string(days) + " would outlive the CA in " +
                           dir.string() + ", which expires in " + std::to_string(ca_days_left) +
                           " days; give fewer days, or make a new CA");
  }
  return OkStatus();
}

// Names the issuer and adds a role certificate's extensions: not a CA, for TLS both ways,
// the name as DNS SAN and each tag as a vigil:tag: URI.
Status MakeRoleCertificate(X509* cert, X509* ca_cert, const std::string& name,
                           const std::vector<std::string>& tags) {
  if (X509_set_issuer_name(cert, X509_get_subject_name(ca_cert)) != 1) {
    return OpenSslError("naming the issuer");
  }
  std::string alt = "DNS:" + name;
  for (const auto& tag : tags) alt += ",URI:" + std::string(kTagUriPrefix) + tag;
  VIGIL_RETURN_IF_ERROR(AddExtension(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert, ca_cert, NID_key_usage, "critical,digitalSignature"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert, ca_cert, NID_ext_key_usage, "serverAuth,clientAuth"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert, ca_cert, NID_subject_alt_name, alt));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert, ca_cert, NID_authority_key_identifier, "keyid:always"));
  return OkStatus();
}

}  // namespace

Status InitCa(const fs::path& dir, int days) {
  VIGIL_RETURN_IF_ERROR(CheckDays(days));
  std::error_code ec;
  if (dir.empty() || fs::symlink_status(dir, ec).type() != fs::file_type::not_found) {
    return Error::BadInput(dir.string() + " already exists; a CA is never overwritten");
  }
  fs::path parent = dir.parent_path().empty() ? "." : dir.parent_path();
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + dir.filename().string() + ".partial-"));
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generating the CA key");
  VIGIL_ASSIGN_OR_RETURN(CertPtr cert, NewCertificate(key.get(), "Vigil deployment CA", days));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) {
    return OpenSslError("naming the CA");
  }
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  VIGIL_RETURN_IF_ERROR(
      AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  VIGIL_RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return OpenSslError("signing the CA");
  VIGIL_ASSIGN_OR_RETURN(std::string pem, Pem(cert.get()));
  VIGIL_RETURN_IF_ERROR(WritePrivateKey(staging.path() / "ca.key", key.get()));
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(staging.path() / "ca.crt", AsBytes(pem), 0644));
  fs::permissions(staging.path(), fs::perms::owner_all, ec);  // 0700: it holds the CA key
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), dir));
  staging.Release();
  return OkStatus();
}

Result<IssuedFiles> IssueCertificate(const fs::path& dir, const std::string& name,
                                     const std::vector<std::string>& tags, int days) {
  VIGIL_RETURN_IF_ERROR(CheckDays(days));
  VIGIL_RETURN_IF_ERROR(CheckRoleRequest(name, tags));
  IssuedFiles files{dir / (name + ".crt"), dir / (name + ".key")};
  VIGIL_RETURN_IF_ERROR(CheckIssueTarget(dir, files));
  VIGIL_ASSIGN_OR_RETURN(KeyPtr ca_key, ReadPrivateKeyPem(dir / "ca.key"));
  VIGIL_ASSIGN_OR_RETURN(CertPtr ca_cert, ReadCertificatePem(dir / "ca.crt"));
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return OpenSslError("generating a key");
  VIGIL_ASSIGN_OR_RETURN(CertPtr cert, NewCertificate(key.get(), name, days));
  VIGIL_RETURN_IF_ERROR(EndWithinCa(cert.get(), ca_cert.get(), dir, days));
  VIGIL_RETURN_IF_ERROR(MakeRoleCertificate(cert.get(), ca_cert.get(), name, tags));
  if (X509_sign(cert.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslError("signing the certificate");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string pem, Pem(cert.get()));
  VIGIL_RETURN_IF_ERROR(WritePrivateKey(files.key, key.get()));
  Status written = CreateFileAtomic(files.certificate, AsBytes(pem), 0644);
  if (!written.ok()) {
    std::error_code ec;
    fs::remove(files.key, ec);  // ours: just created; a key without its certificate is useless
    return written.error();
  }
  return files;
}

}  // namespace vigil::rpc
