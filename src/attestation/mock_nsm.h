// The mock NSM: a faithful stand-in for the Nitro Secure Module where no Nitro hardware
// exists (QEMU, tests). 32 SHA-384 PCRs with the NSM's extend and lock rules; PCR0-2 hold
// the measurements of the EIF it was booted from, as the host handed them over (so they are
// only as true as the host: mock only); documents carry real timestamps and the mock
// module id, and are signed by the mock PKI (mock_pki.h), which verifiers refuse unless
// told to trust it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>

#include "attestation/mock_pki.h"
#include "attestation/pcr_bank.h"
#include "attestation/provider.h"

namespace vigil::attestation {

class MockNsm : public AttestationProvider {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `boot_measurements` (index -> 48 bytes) are set and locked, as the hypervisor does for
  // PCR0-2 (and PCR3, PCR4, PCR8 where they apply). `clock` defaults to the system clock.
  static Result<std::unique_ptr<MockNsm>> Create(const std::map<int, Bytes>& boot_measurements,
                                                 Clock clock = {});

  std::string_view name() const override { return "mock-nsm"; }
  Result<NsmDescription> Describe() override;
  Result<PcrState> DescribePcr(int index) override;
  Result<crypto::Sha384Digest> ExtendPcr(int index, ByteView data) override;
  Status LockPcr(int index) override;
  Status LockPcrs(int range) override;
  Result<Bytes> Attest(const AttestationRequest& request) override;

 private:
  MockNsm(MockPki pki, PcrBank pcrs, Clock clock)
      : pki_(std::move(pki)), pcrs_(std::move(pcrs)), clock_(std::move(clock)) {}

  MockPki pki_;
  PcrBank pcrs_;
  Clock clock_;
};

}  // namespace vigil::attestation
