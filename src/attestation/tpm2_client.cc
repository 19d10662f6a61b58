#include "attestation/tpm2_client.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attestation/tpm2_wire.h"
#include "base/hex.h"

namespace vigil::attestation {
namespace {

using tpm2::Command;
using tpm2::Reader;
using tpm2::Writer;

constexpr std::uint32_t kCcPcrRead = 0x17E;
constexpr std::uint32_t kCcPcrExtend = 0x182;
constexpr std::uint32_t kCcCreatePrimary = 0x131;
constexpr std::uint32_t kCcQuote = 0x158;
constexpr std::uint32_t kCcNvReadPublic = 0x169;
constexpr std::uint32_t kCcNvRead = 0x14E;
constexpr std::uint32_t kCcFlushContext = 0x165;
constexpr std::uint32_t kCcStartAuthSession = 0x176;
constexpr std::uint32_t kCcPolicySecret = 0x151;
constexpr std::uint32_t kCcActivateCredential = 0x147;
constexpr std::uint32_t kRhNull = 0x40000007;
constexpr std::uint16_t kAlgRsa = 0x0001;
constexpr std::uint16_t kAlgAes = 0x0006;
constexpr std::uint16_t kAlgCfb = 0x0043;
// fixedTPM | fixedParent | sensitiveDataOrigin | adminWithPolicy | restricted | decrypt
constexpr std::uint32_t kEndorsementKeyAttributes = 0x000300b2;
// PolicySecret(TPM_RH_ENDORSEMENT): the EK profile's policy for EK templates L-1 and L-2.
constexpr char kEndorsementPolicy[] =
    "837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa";
constexpr std::uint16_t kAlgEcc = 0x0023;
constexpr std::uint16_t kAlgEcdsa = 0x0018;
constexpr std::uint16_t kEccNistP256 = 0x0003;
// fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign
constexpr std::uint32_t kAttestationKeyAttributes = 0x00050072;
constexpr std::size_t kNvChunk = 512;  // at most TPM_PT_NV_BUFFER_MAX on every TPM we know
constexpr std::size_t kMaxNvBytes = 16 * 1024;

bool WriteAll(int fd, ByteView data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

bool ReadExactly(int fd, std::uint8_t* out, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::read(fd, out, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

Error TpmRefused(const char* command, std::uint32_t code) {
  return Error::Failed(std::string("the TPM refused ") + command + ": " +
                       tpm2::DescribeResponseCode(code));
}

// The attestation key's template (TPMT_PUBLIC): ECC P-256, ECDSA with SHA-256, restricted.
Bytes AttestationKeyTemplate() {
  Writer area;
  area.U16(kAlgEcc).U16(tpm2::kAlgSha256).U32(kAttestationKeyAttributes).Sized({});
  area.U16(tpm2::kAlgNull);                    // no symmetric algorithm
  area.U16(kAlgEcdsa).U16(tpm2::kAlgSha256);   // scheme
  area.U16(kEccNistP256).U16(tpm2::kAlgNull);  // curve, no KDF
  area.Sized({}).Sized({});                    // unique: empty point
  return area.bytes();
}

// The EK profile's template L-1: RSA 2048, AES-128-CFB, a 256-byte zero unique field.
Bytes EndorsementKeyTemplate() {
  Writer area;
  area.U16(kAlgRsa).U16(tpm2::kAlgSha256).U32(kEndorsementKeyAttributes);
  area.Sized(HexDecode(kEndorsementPolicy).value());
  area.U16(kAlgAes).U16(128).U16(kAlgCfb);  // symmetric
  area.U16(tpm2::kAlgNull);                 // scheme
  area.U16(2048).U32(0);                    // key bits, default exponent
  area.Sized(Bytes(256, 0));
  return area.bytes();
}

}  // namespace

Bytes PcrSelection(const std::vector<int>& pcrs) {
  std::uint8_t select[3] = {0, 0, 0};
  for (int pcr : pcrs) select[pcr / 8] |= static_cast<std::uint8_t>(1u << (pcr % 8));
  Writer out;
  out.U32(1).U16(tpm2::kAlgSha256).U8(3).Raw(ByteView(select, 3));
  return out.bytes();
}

Result<Tpm2Client> Tpm2Client::OpenDevice(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (fd.get() < 0) {
    return Error::MissingEnv("cannot open the TPM " + path + ": " + std::strerror(errno));
  }
  return Tpm2Client(std::move(fd), false);
}

Result<Tpm2Client> Tpm2Client::ConnectUnix(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return Error::BadInput("TPM socket path too long");
  std::memcpy(address.sun_path, path.c_str(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0 ||
      ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Error::MissingEnv("cannot connect to the TPM at " + path + ": " + std::strerror(errno));
  }
  return Tpm2Client(std::move(fd), true);
}

Result<Bytes> Tpm2Client::Transact(ByteView command) {
  // TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING ask the caller to send the command
  // again (TPM 2.0 Part 1, 6.6); a few tries, then the code is the answer.
  constexpr std::uint32_t kTryAgain[] = {0x922, 0x908, 0x90a};
  Result<Bytes> response = TransactOnce(command);
  for (int tries = 1; tries < 5 && response.ok() && response->size() >= 10; ++tries) {
    const std::uint32_t code = tpm2::Reader(ByteView(*response).subspan(6, 4)).U32();
    if (std::find(std::begin(kTryAgain), std::end(kTryAgain), code) == std::end(kTryAgain)) break;
    ::usleep(10'000 * tries);
    response = TransactOnce(command);
  }
  return response;
}

Result<Bytes> Tpm2Client::TransactOnce(ByteView command) {
  if (!WriteAll(fd_.get(), command)) {
    return Error::Failed(std::string("cannot send a command to the TPM: ") + std::strerror(errno));
  }
  Bytes response(tpm2::kMaxResponseBytes);
  if (stream_) {
    if (!ReadExactly(fd_.get(), response.data(), 10)) {
      return Error::Failed("the TPM closed the connection");
    }
    Reader header(ByteView(response.data(), 10));
    header.U16();
    const std::uint32_t size = header.U32();
    if (size < 10 || size > response.size())
      return Error::BadInput("TPM response size " + std::to_string(size));
    if (!ReadExactly(fd_.get(), response.data() + 10, size - 10)) {
      return Error::Failed("the TPM's response was cut short");
    }
    response.resize(size);
    return response;
  }
  ssize_t n = 0;
  do {
    n = ::read(fd_.get(), response.data(), response.size());
  } while (n < 0 && errno == EINTR);
  if (n < 10) return Error::Failed("no response from the TPM");
  response.resize(static_cast<std::size_t>(n));
  return response;
}

Result<std::vector<crypto::Sha256Digest>> Tpm2Client::ReadPcrs(const std::vector<int>& pcrs) {
  std::vector<crypto::Sha256Digest> values;
  // PCR_Read returns at most 8 digests at a time; read them one by one, in the order asked.
  for (int pcr : pcrs) {
    if (pcr < 0 || pcr > 23)
      return Error::BadInput("PCR " + std::to_string(pcr) + " does not exist");
    const Bytes command = tpm2::Encode({.code = kCcPcrRead, .parameters = PcrSelection({pcr})});
    VIGIL_ASSIGN_OR_RETURN(Bytes raw, Transact(command));
    VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(raw, 0, false));
    if (response.code != 0) return TpmRefused("PCR_Read", response.code);
    Reader in(response.parameters);
    in.U32();  // update counter
    const Bytes asked = PcrSelection({pcr});
    const ByteView selected = in.Raw(asked.size());
    if (!std::equal(selected.begin(), selected.end(), asked.begin(), asked.end()) ||
        in.U32() != 1) {
      return Error::Failed("the TPM has no SHA-256 PCR " + std::to_string(pcr));
    }
    ByteView digest = in.Sized();
    if (!in.done() || digest.size() != 32) return Error::BadInput("malformed PCR_Read response");
    crypto::Sha256Digest value{};
    std::copy(digest.begin(), digest.end(), value.begin());
    values.push_back(value);
  }
  return values;
}

Status Tpm2Client::ExtendPcr(int pcr, const crypto::Sha256Digest& digest) {
  if (pcr < 0 || pcr > 23) return Error::BadInput("PCR " + std::to_string(pcr) + " does not exist");
  Writer digests;
  digests.U32(1).U16(tpm2::kAlgSha256).Raw(digest);
  const Bytes command = tpm2::Encode({.code = kCcPcrExtend,
                                      .handles = {static_cast<std::uint32_t>(pcr)},
                                      .sessions = {tpm2::kRsPassword},
                                      .parameters = digests.bytes()});
  VIGIL_ASSIGN_OR_RETURN(Bytes raw, Transact(command));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(raw, 0, true));
  if (response.code != 0) return TpmRefused("PCR_Extend", response.code);
  return OkStatus();
}

Result<Tpm2Key> Tpm2Client::CreatePrimaryKey(ByteView key_template) {
  Writer parameters;
  parameters.U16(4).U16(0).U16(0);  // TPM2B_SENSITIVE_CREATE: no auth, no data
  parameters.Sized(key_template);
  parameters.Sized({});  // outsideInfo
  parameters.U32(0);     // creationPCR: none
  const Bytes command = tpm2::Encode({.code = kCcCreatePrimary,
                                      .handles = {tpm2::kRhEndorsement},
                                      .sessions = {tpm2::kRsPassword},
                                      .parameters = parameters.bytes()});
  VIGIL_ASSIGN_OR_RETURN(Bytes raw, Transact(command));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(raw, 1, true));
  if (response.code != 0) return TpmRefused("CreatePrimary", response.code);
  Reader in(response.parameters);
  Tpm2Key key{.handle = response.handles.at(0)};
  ByteView area = in.Sized();
  key.public_area.assign(area.begin(), area.end());
  in.Sized();  // creation data
  in.Sized();  // creation hash
  in.U16();    // creation ticket: tag, hierarchy, digest
  in.U32();
  in.Sized();
  ByteView name = in.Sized();
  key.name.assign(name.begin(), name.end());
  if (!in.done() || key.public_area.empty() || key.name.size() != 34) {
    (void)FlushContext(key.handle);
    return Error::BadInput("malformed CreatePrimary response");
  }
  return key;
}

Result<Tpm2Key> Tpm2Client::CreateAttestationKey() {
  return CreatePrimaryKey(AttestationKeyTemplate());
}

Result<Tpm2Key> Tpm2Client::CreateEndorsementKey() {
  return CreatePrimaryKey(EndorsementKeyTemplate());
}

// A policy session satisfied by PolicySecret(TPM_RH_ENDORSEMENT), the EK's policy.
Result<std::uint32_t> Tpm2Client::EndorsementPolicySession() {
  Writer start;
  start.Sized(Bytes(16, 0x11));  // nonceCaller: nothing here rests on its freshness
  start.Sized({});               // no salt
  start.U8(0x01);                // TPM_SE_POLICY
  start.U16(tpm2::kAlgNull);     // no parameter encryption
  start.U16(tpm2::kAlgSha256);
  VIGIL_ASSIGN_OR_RETURN(Bytes raw, Transact(tpm2::Encode({.code = kCcStartAuthSession,
                                                           .handles = {kRhNull, kRhNull},
                                                           .parameters = start.bytes()})));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response started, tpm2::Decode(raw, 1, false));
  if (started.code != 0) return TpmRefused("StartAuthSession", started.code);
  const std::uint32_t session = started.handles.at(0);
  Writer secret;
  secret.Sized({}).Sized({}).Sized({}).U32(0);  // nonceTPM, cpHashA, policyRef, expiration
  VIGIL_ASSIGN_OR_RETURN(Bytes raw_secret,
                         Transact(tpm2::Encode({.code = kCcPolicySecret,
                                                .handles = {tpm2::kRhEndorsement, session},
                                                .sessions = {tpm2::kRsPassword},
                                                .parameters = secret.bytes()})));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response satisfied, tpm2::Decode(raw_secret, 0, true));
  if (satisfied.code != 0) {
    (void)FlushContext(session);
    return TpmRefused("PolicySecret", satisfied.code);
  }
  return session;
}

Result<crypto::SecretBytes> Tpm2Client::ActivateCredential(const Tpm2Key& key, ByteView id_object,
                                                           ByteView encrypted_secret) {
  VIGIL_ASSIGN_OR_RETURN(Tpm2Key ek, CreateEndorsementKey());
  Result<std::uint32_t> session = EndorsementPolicySession();
  if (!session.ok()) {
    (void)FlushContext(ek.handle);
    return session.error();
  }
  Writer parameters;
  parameters.Sized(id_object).Sized(encrypted_secret);
  // The policy session ends with the command (continueSession clear).
  Result<Bytes> raw = Transact(tpm2::Encode({.code = kCcActivateCredential,
                                             .handles = {key.handle, ek.handle},
                                             .sessions = {tpm2::kRsPassword, *session},
                                             .parameters = parameters.bytes()}));
  (void)FlushContext(ek.handle);
  if (!raw.ok()) return raw.error();
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(*raw, 0, true));
  if (response.code != 0) return TpmRefused("ActivateCredential", response.code);
  Reader in(response.parameters);
  crypto::SecretBytes secret(in.Sized());
  if (!in.done()) return Error::BadInput("malformed ActivateCredential response");
  return secret;
}

Result<Tpm2Quote> Tpm2Client::Quote(const Tpm2Key& key, ByteView nonce,
                                    const std::vector<int>& pcrs) {
  if (nonce.size() > 64) return Error::BadInput("a quote's nonce is at most 64 bytes");
  for (int pcr : pcrs) {
    if (pcr < 0 || pcr > 23)
      return Error::BadInput("PCR " + std::to_string(pcr) + " does not exist");
  }
  Writer parameters;
  parameters.Sized(nonce).U16(tpm2::kAlgNull).Raw(PcrSelection(pcrs));
  const Bytes command = tpm2::Encode({.code = kCcQuote,
                                      .handles = {key.handle},
                                      .sessions = {tpm2::kRsPassword},
                                      .parameters = parameters.bytes()});
  VIGIL_ASSIGN_OR_RETURN(Bytes raw, Transact(command));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(raw, 0, true));
  if (response.code != 0) return TpmRefused("Quote", response.code);
  Reader in(response.parameters);
  ByteView attest = in.Sized();
  ByteView signature = in.Raw(in.left());
  if (!in.done() || attest.empty() || signature.empty()) {
    return Error::BadInput("malformed Quote response");
  }
  return Tpm2Quote{.attest = Bytes(attest.begin(), attest.end()),
                   .signature = Bytes(signature.begin(), signature.end())};
}

Result<Bytes> Tpm2Client::ReadNv(std::uint32_t index) {
  VIGIL_ASSIGN_OR_RETURN(Bytes raw,
                         Transact(tpm2::Encode({.code = kCcNvReadPublic, .handles = {index}})));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response described, tpm2::Decode(raw, 0, false));
  if (described.code != 0) return TpmRefused("NV_ReadPublic", described.code);
  Reader in(described.parameters);
  Reader area(in.Sized());  // TPMS_NV_PUBLIC
  area.U32();               // index
  area.U16();               // nameAlg
  area.U32();               // attributes
  area.Sized();             // authPolicy
  const std::size_t size = area.U16();
  if (!area.done() || size > kMaxNvBytes)
    return Error::BadInput("malformed NV_ReadPublic response");
  Bytes contents;
  while (contents.size() < size) {
    const std::size_t chunk = std::min(kNvChunk, size - contents.size());
    Writer parameters;
    parameters.U16(static_cast<std::uint16_t>(chunk))
        .U16(static_cast<std::uint16_t>(contents.size()));
    // The index authorizes its own reading (AUTHREAD, empty auth), as EK certificates allow.
    VIGIL_ASSIGN_OR_RETURN(Bytes read_raw,
                           Transact(tpm2::Encode({.code = kCcNvRead,
                                                  .handles = {index, index},
                                                  .sessions = {tpm2::kRsPassword},
                                                  .parameters = parameters.bytes()})));
    VIGIL_ASSIGN_OR_RETURN(tpm2::Response read, tpm2::Decode(read_raw, 0, true));
    if (read.code != 0) return TpmRefused("NV_Read", read.code);
    Reader data(read.parameters);
    ByteView piece = data.Sized();
    if (!data.done() || piece.size() != chunk) return Error::BadInput("malformed NV_Read response");
    contents.insert(contents.end(), piece.begin(), piece.end());
  }
  return contents;
}

Status Tpm2Client::FlushContext(std::uint32_t handle) {
  Writer parameters;
  parameters.U32(handle);
  VIGIL_ASSIGN_OR_RETURN(
      Bytes raw,
      Transact(tpm2::Encode({.code = kCcFlushContext, .parameters = parameters.bytes()})));
  VIGIL_ASSIGN_OR_RETURN(tpm2::Response response, tpm2::Decode(raw, 0, false));
  if (response.code != 0) return TpmRefused("FlushContext", response.code);
  return OkStatus();
}

}  // namespace vigil::attestation
