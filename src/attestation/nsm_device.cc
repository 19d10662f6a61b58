#include "attestation/nsm_device.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "attestation/cbor_writer.h"
#include "base/unique_fd.h"

namespace vigil::attestation {
namespace {

// The nsm driver's uapi (include/uapi/linux/nsm.h, Linux 6.8): not in Debian 12's headers.
struct NsmRaw {
  iovec request;
  iovec response;
};
constexpr unsigned long kNsmIoctlRaw = _IOWR(0x0A, 0x0, NsmRaw);
constexpr std::size_t kMaxRequestBytes = 0x1000;
constexpr std::size_t kMaxResponseBytes = 0x3000;

// {"Variant": {fields...}} with the fields written by `fields`.
template <typename Fields>
Bytes Struct(std::string_view variant, std::size_t field_count, Fields fields) {
  CborWriter out;
  out.MapHeader(1);
  out.Text(variant);
  out.MapHeader(field_count);
  fields(out);
  return out.Take();
}

void OptionalBytes(CborWriter& out, std::string_view key, const std::optional<Bytes>& value) {
  out.Text(key);
  if (value) {
    out.ByteString(*value);
  } else {
    out.Null();
  }
}

Error BadAnswer(const std::string& what) {
  return Error::Failed("the NSM's answer is not what the NSM API defines: " + what);
}

Result<std::uint64_t> Number(const CborValue& map, std::string_view key, std::uint64_t max) {
  const CborValue* value = map.Find(key);
  if (value == nullptr || value->kind != CborValue::Kind::kUnsigned || value->number > max) {
    return BadAnswer(std::string(key) + " is missing or out of range");
  }
  return value->number;
}

Result<Bytes> Blob(const CborValue& map, std::string_view key) {
  const CborValue* value = map.Find(key);
  if (value == nullptr || value->kind != CborValue::Kind::kBytes) {
    return BadAnswer(std::string(key) + " is missing or not bytes");
  }
  return value->bytes;
}

}  // namespace

Bytes NsmDescribeRequest() {
  CborWriter out;
  out.Text("DescribeNSM");
  return out.Take();
}

Bytes NsmDescribePcrRequest(int index) {
  return Struct("DescribePCR", 1, [&](CborWriter& out) {
    out.Text("index");
    out.Unsigned(static_cast<std::uint64_t>(index));
  });
}

Bytes NsmExtendPcrRequest(int index, ByteView data) {
  return Struct("ExtendPCR", 2, [&](CborWriter& out) {
    out.Text("index");
    out.Unsigned(static_cast<std::uint64_t>(index));
    out.Text("data");
    out.ByteString(data);
  });
}

Bytes NsmLockPcrRequest(int index) {
  return Struct("LockPCR", 1, [&](CborWriter& out) {
    out.Text("index");
    out.Unsigned(static_cast<std::uint64_t>(index));
  });
}

Bytes NsmLockPcrsRequest(int range) {
  return Struct("LockPCRs", 1, [&](CborWriter& out) {
    out.Text("range");
    out.Unsigned(static_cast<std::uint64_t>(range));
  });
}

Bytes NsmAttestationRequest(const AttestationRequest& request) {
  return Struct("Attestation", 3, [&](CborWriter& out) {
    OptionalBytes(out, "user_data", request.user_data);
    OptionalBytes(out, "nonce", request.nonce);
    OptionalBytes(out, "public_key", request.public_key);
  });
}

Result<NsmTransport> OpenNsmDevice(const std::string& path) {
  auto fd = std::make_shared<UniqueFd>(::open(path.c_str(), O_RDWR | O_CLOEXEC));
  if (fd->get() < 0) {
    return Error::MissingEnv("no Nitro Secure Module at " + path + ": " + std::strerror(errno) +
                             " (outside a Nitro enclave, use the mock NSM)");
  }
  return NsmTransport([fd](ByteView request) -> Result<Bytes> {
    if (request.size() > kMaxRequestBytes) return Error::BadInput("an NSM request over 4 KiB");
    Bytes in(request.begin(), request.end());
    Bytes out(kMaxResponseBytes);
    NsmRaw raw{{in.data(), in.size()}, {out.data(), out.size()}};
    if (::ioctl(fd->get(), kNsmIoctlRaw, &raw) != 0) {
      return Error::Failed(std::string("the NSM ioctl failed: ") + std::strerror(errno));
    }
    out.resize(std::min(raw.response.iov_len, out.size()));
    return out;
  });
}

Result<CborValue> NsmDevice::Call(const Bytes& request, std::string_view expected) {
  VIGIL_ASSIGN_OR_RETURN(Bytes answer, transport_(request));
  Result<CborValue> value = ReadCbor(answer);
  if (!value.ok()) return BadAnswer(value.error().message());
  if (value->kind == CborValue::Kind::kText && value->text() == expected) return CborValue{};
  if (value->kind != CborValue::Kind::kMap || value->keys.size() != 1 ||
      value->keys[0].kind != CborValue::Kind::kText) {
    return BadAnswer("not one variant");
  }
  const std::string variant = value->keys[0].text();
  CborValue payload = std::move(value->values[0]);
  if (variant == "Error") {
    return Error::Failed("the NSM refused the request: " +
                         (payload.kind == CborValue::Kind::kText ? payload.text() : "?"));
  }
  if (variant != expected)
    return BadAnswer(variant + " where " + std::string(expected) + " was due");
  return payload;
}

Result<NsmDescription> NsmDevice::Describe() {
  VIGIL_ASSIGN_OR_RETURN(CborValue d, Call(NsmDescribeRequest(), "DescribeNSM"));
  NsmDescription out;
  VIGIL_ASSIGN_OR_RETURN(auto major, Number(d, "version_major", 0xffff));
  VIGIL_ASSIGN_OR_RETURN(auto minor, Number(d, "version_minor", 0xffff));
  VIGIL_ASSIGN_OR_RETURN(auto patch, Number(d, "version_patch", 0xffff));
  VIGIL_ASSIGN_OR_RETURN(auto max_pcrs, Number(d, "max_pcrs", 0xffff));
  out.version_major = static_cast<std::uint16_t>(major);
  out.version_minor = static_cast<std::uint16_t>(minor);
  out.version_patch = static_cast<std::uint16_t>(patch);
  out.max_pcrs = static_cast<std::uint16_t>(max_pcrs);
  const CborValue* module = d.Find("module_id");
  const CborValue* locked = d.Find("locked_pcrs");
  const CborValue* digest = d.Find("digest");
  if (module == nullptr || module->kind != CborValue::Kind::kText || locked == nullptr ||
      locked->kind != CborValue::Kind::kArray || digest == nullptr ||
      digest->kind != CborValue::Kind::kText) {
    return BadAnswer("DescribeNSM lacks module_id, locked_pcrs or digest");
  }
  out.module_id = module->text();
  out.digest = digest->text();
  for (const CborValue& pcr : locked->items) {
    if (pcr.kind != CborValue::Kind::kUnsigned || pcr.number > 0xffff) {
      return BadAnswer("locked_pcrs holds something other than a register number");
    }
    out.locked_pcrs.insert(static_cast<std::uint16_t>(pcr.number));
  }
  return out;
}

Result<PcrState> NsmDevice::DescribePcr(int index) {
  VIGIL_ASSIGN_OR_RETURN(CborValue d, Call(NsmDescribePcrRequest(index), "DescribePCR"));
  const CborValue* lock = d.Find("lock");
  if (lock == nullptr || lock->kind != CborValue::Kind::kBool) return BadAnswer("no lock flag");
  VIGIL_ASSIGN_OR_RETURN(Bytes data, Blob(d, "data"));
  if (data.size() != sizeof(crypto::Sha384Digest)) return BadAnswer("a PCR that is not SHA-384");
  PcrState state;
  state.locked = lock->number != 0;
  std::copy(data.begin(), data.end(), state.value.begin());
  return state;
}

Result<crypto::Sha384Digest> NsmDevice::ExtendPcr(int index, ByteView data) {
  VIGIL_ASSIGN_OR_RETURN(CborValue d, Call(NsmExtendPcrRequest(index, data), "ExtendPCR"));
  VIGIL_ASSIGN_OR_RETURN(Bytes value, Blob(d, "data"));
  if (value.size() != sizeof(crypto::Sha384Digest)) return BadAnswer("a PCR that is not SHA-384");
  crypto::Sha384Digest out;
  std::copy(value.begin(), value.end(), out.begin());
  return out;
}

Status NsmDevice::LockPcr(int index) { return Call(NsmLockPcrRequest(index), "LockPCR").status(); }

Status NsmDevice::LockPcrs(int range) {
  return Call(NsmLockPcrsRequest(range), "LockPCRs").status();
}

Result<Bytes> NsmDevice::Attest(const AttestationRequest& request) {
  VIGIL_ASSIGN_OR_RETURN(CborValue d, Call(NsmAttestationRequest(request), "Attestation"));
  return Blob(d, "document");
}

}  // namespace vigil::attestation
