// The Nitro Secure Module (AWS Nitro Enclaves) as an attestation provider: requests and
// answers are CBOR, as AWS's nsm-api encodes its Request and Response enums (serde's
// externally tagged form: "DescribeNSM", {"ExtendPCR": {"index": 16, "data": h'..'}}, ...),
// exchanged through the nsm driver's ioctl on /dev/nsm (Linux 6.8+, CONFIG_NSM). Not
// testable on these machines; tests drive it through a transport that answers as the NSM
// does (attestation_test.cc).
#pragma once

#include <functional>
#include <string>

#include "attestation/cbor_value.h"
#include "attestation/provider.h"

namespace vigil::attestation {

// One request's bytes in, the answer's bytes out.
using NsmTransport = std::function<Result<Bytes>(ByteView request)>;

// The ioctl transport on `path`; MissingEnv when there is no such device.
Result<NsmTransport> OpenNsmDevice(const std::string& path = "/dev/nsm");

// The requests, encoded as the NSM expects them.
Bytes NsmDescribeRequest();
Bytes NsmDescribePcrRequest(int index);
Bytes NsmExtendPcrRequest(int index, ByteView data);
Bytes NsmLockPcrRequest(int index);
Bytes NsmLockPcrsRequest(int range);
Bytes NsmAttestationRequest(const AttestationRequest& request);

class NsmDevice : public AttestationProvider {
 public:
  explicit NsmDevice(NsmTransport transport) : transport_(std::move(transport)) {}

  std::string_view name() const override { return "nsm"; }
  Result<NsmDescription> Describe() override;
  Result<PcrState> DescribePcr(int index) override;
  Result<crypto::Sha384Digest> ExtendPcr(int index, ByteView data) override;
  Status LockPcr(int index) override;
  Status LockPcrs(int range) override;
  Result<Bytes> Attest(const AttestationRequest& request) override;

 private:
  // Sends `request`; the answer must be the variant `expected` (an "Error" answer is Failed
  // naming the NSM's error code). Returns its payload (null for unit answers).
  Result<CborValue> Call(const Bytes& request, std::string_view expected);
  NsmTransport transport_;
};

}  // namespace vigil::attestation
