// The PCR measurements of an AWS Nitro Enclaves image: what nitro-cli's describe-eif
// prints and what an attestation document carries. Spec: docs/SPEC-eif.md.
#pragma once

#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "crypto/hash.h"

namespace vigil::image {

// PCR0 (kernel, cmdline, every ramdisk), PCR1 (kernel, cmdline, first ramdisk: the
// "bootstrap"), PCR2 (the remaining ramdisks: the "application"), each SHA-384 extended
// once from 48 zero bytes, exactly as nitro-cli computes them.
struct Pcrs {
  Bytes pcr0;
  Bytes pcr1;
  Bytes pcr2;
};

// Computes the PCRs of the given boot inputs.
Pcrs ComputePcrs(ByteView kernel, std::string_view cmdline, const std::vector<ByteView>& ramdisks);

// The PCR state after the kernel and cmdline, so they can be hashed while the ramdisk is
// still being made. FinishPcrs(StartPcrs(k, c), r) == ComputePcrs(k, c, r).
struct PcrPrefix {
  crypto::Hasher state{crypto::HashAlgorithm::kSha384};
};
PcrPrefix StartPcrs(ByteView kernel, std::string_view cmdline);
Pcrs FinishPcrs(const PcrPrefix& prefix, const std::vector<ByteView>& ramdisks);

}  // namespace vigil::image
