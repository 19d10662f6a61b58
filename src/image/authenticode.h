// The Authenticode digest of a PE/COFF image (Microsoft's "Windows Authenticode Portable
// Executable Signature Format"): SHA-256 over the headers without their checksum and
// certificate-table entry, then each section's raw data in file order, then any bytes after
// the last section that are not the attached certificates. UEFI firmware (EDK2's
// Tcg2MeasurePeImage, so OVMF) extends PCR4 with this digest for every EFI application it
// starts, which for Vigil's tpm output is the EFI-stub kernel. Spec: docs/SPEC-tpm.md.
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::image {

// BadInput naming what is wrong when `image` is not a well-formed PE32 or PE32+ file
// (every offset and size is checked against the file before it is used).
Result<crypto::Sha256Digest> AuthenticodeSha256(ByteView image);

}  // namespace vigil::image
